using System.Reflection;
using Herald.Schemas;

namespace Herald.Cli.SchemaCommands;

/// <summary>Loads the assembly named by <c>--assembly</c> and generates the schemas of its events.</summary>
internal static class EventAssembly
{
    /// <summary>Returns the schemas of every <c>[Event]</c> type in the assembly at <paramref name="path"/>, writing load warnings to stderr.</summary>
    /// <exception cref="CliException">The file is missing or is not a .NET assembly (exit code 2), or an event is invalid (exit code 1).</exception>
    public static IReadOnlyList<EventSchema> LoadSchemas(string path, CliContext context)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw CliException.Usage($"assembly '{fullPath}' does not exist (build the project, then pass its .dll to --assembly).");
        }

        Assembly assembly;
        try
        {
            assembly = new EventAssemblyLoadContext(fullPath).LoadFromAssemblyPath(fullPath);
        }
        catch (BadImageFormatException e)
        {
            throw new CliException(ExitCodes.Usage, $"'{fullPath}' is not a .NET assembly: {e.Message}", e);
        }

        try
        {
            return EventSchemas.FromTypes(Types(assembly, context));
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(ExitCodes.UnexpectedError, e.Message, e);
        }
    }

    private static Type[] Types(Assembly assembly, CliContext context)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            // Some types need a dependency that is not in the bin directory; their events, if any, would go unchecked.
            var missing = e.LoaderExceptions.OfType<Exception>().Select(x => x.Message).Distinct(StringComparer.Ordinal).ToList();
            var first = missing.Count > 0 ? missing[0] : "unknown reason";
            CommandRunner.WriteError(context, $"warning: {e.Types.Count(t => t is null)} types of {assembly.GetName().Name} could not be loaded and are skipped (first: {first})");
            return [.. e.Types.OfType<Type>()];
        }
    }
}
