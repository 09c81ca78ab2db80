using System.CommandLine;

namespace Herald.Cli.DeadLetterCommands;

/// <summary>The options of every <c>dlq</c> command: where the data is, and whether to print JSON.</summary>
internal sealed class CommonOptions
{
    public CommonOptions(CliContext context)
    {
        Data = new Option<string>("--data", "-d")
        {
            Description = $"The Herald data directory; not created if missing [env: {DataDirectory.EnvironmentVariable}]",
            HelpName = "DIR",
            DefaultValueFactory = _ => context.GetEnvironmentVariable(DataDirectory.EnvironmentVariable) is { Length: > 0 } fromEnvironment
                ? fromEnvironment
                : DataDirectory.DefaultPath,
        };
        Json = new Option<bool>("--json") { Description = "Write one JSON document to stdout, and nothing else" };
    }

    /// <summary>Gets <c>--data DIR</c>.</summary>
    public Option<string> Data { get; }

    /// <summary>Gets <c>--json</c>.</summary>
    public Option<bool> Json { get; }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(Data);
        command.Add(Json);
    }
}
