using System.CommandLine;

namespace Herald.Cli.SchemaCommands;

/// <summary><c>herald schema</c>: the JSON Schemas of an application's events, exported and checked for compatibility.</summary>
internal static class SchemaCommand
{
    public static Command Create(CliContext context) => new("schema", "Export the JSON Schemas of an assembly's events, and check them against the committed ones")
    {
        ExportCommand.Create(context),
        CheckCommand.Create(context),
    };
}
