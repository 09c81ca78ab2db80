using System.CommandLine;

namespace Herald.Cli.SchemaCommands;

/// <summary>The options of every <c>schema</c> command: which assembly to read, and whether to print JSON.</summary>
internal sealed class AssemblyOptions
{
    /// <summary>Gets <c>--assembly PATH</c>.</summary>
    public Option<string> Assembly { get; } = new("--assembly", "-a")
    {
        Description = "The application's assembly (.dll), in its build output so that its dependencies resolve",
        HelpName = "PATH",
        Required = true,
    };

    /// <summary>Gets <c>--json</c>.</summary>
    public Option<bool> Json { get; } = new("--json") { Description = "Write one JSON document to stdout, and nothing else" };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(Assembly);
        command.Add(Json);
    }
}
