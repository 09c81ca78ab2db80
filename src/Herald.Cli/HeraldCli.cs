using System.CommandLine;
using System.CommandLine.Parsing;
using Herald.Cli.DeadLetterCommands;
using Herald.Cli.LogCommands;
using Herald.Cli.Parsing;
using Herald.Cli.Remote;
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
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken);
        }
        catch (DataDirectoryServedException e) when (context.ServedLog is null && RunsInServer(parse))
        {
            // Nothing was written yet: the command opens the data directory before it says anything.
            return await CommandRunner.RunAsync(context, () => ControlClient.RunAsync(e.Served, args, context, cancellationToken), cancellationToken);
        }
        catch (DataDirectoryServedException e)
        {
            CommandRunner.WriteError(context, e.Message);
            return ExitCodes.DataDirectoryLocked;
        }
    }

    /// <summary>Returns whether <paramref name="args"/> is a command that <c>herald serve</c> runs on the log it holds:
    /// <c>herald log</c> and every <c>herald dlq</c> command.</summary>
    public static bool RunsInServer(string[] args, CliContext context) => RunsInServer(Create(context).Parse(args));

    private static bool RunsInServer(ParseResult parse)
    {
        var path = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as CommandResult)
        {
            path.Insert(0, result.Command.Name);
        }

        return path.Count >= 2 && (path[1] == "dlq" || (path[1] == "log" && path.Count == 2));
    }
}
