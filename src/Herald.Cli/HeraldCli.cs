using System.CommandLine;
using Herald.Cli.DeadLetterCommands;
using Herald.Cli.LogCommands;
using Herald.Cli.Parsing;
using Herald.Cli.SchemaCommands;
using Herald.Cli.ServeCommands;

namespace Herald.Cli;

/// <summary>The <c>herald</c> command line: builds the command tree and runs one command line to an exit code.</summary>
internal static class HeraldCli
{
    /// <summary>Builds the root command, every command bound to <paramref name="context"/>.</summary>
    public static RootCommand Create(CliContext context) => new($"herald: operate Herald, the event-driven messaging framework for .NET.\n\n{ExitCodes.HelpText}")
    {
        DeadLetterQueueCommand.Create(context),
        LogCommand.Create(context),
        SchemaCommand.Create(context),
        ServeCommand.Create(context),
    };

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var parse = Create(context).Parse(args);
        if (UsageErrors.Describe(parse) is { } error)
        {
            // System.CommandLine reports parse errors with exit code 1 and a page of help; herald promises 2 and one line.
            CommandRunner.WriteError(context, error);
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false };
        return await parse.InvokeAsync(invocation, cancellationToken);
    }
}
