using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text.Json;

namespace Herald.Cli.SchemaCommands;

/// <summary>Loads an application's assembly with its own dependencies, as its <c>.deps.json</c> and bin directory resolve them.</summary>
/// <remarks>
/// System.Text.Json always comes from herald's own runtime: the exporter must recognise the application's
/// <c>[JsonPropertyName]</c> and converters as its own types. Shared frameworks other than the base one (ASP.NET Core)
/// are looked up next to the running runtime, in the highest installed version with the major version asked for.
/// </remarks>
internal sealed class EventAssemblyLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver _resolver;
    private readonly string _directory;
    private readonly List<string> _frameworkDirectories;

    public EventAssemblyLoadContext(string assemblyPath)
        : base("herald-schema:" + Path.GetFileName(assemblyPath))
    {
        _resolver = new AssemblyDependencyResolver(assemblyPath);
        _directory = Path.GetDirectoryName(assemblyPath)!;
        _frameworkDirectories = FrameworkDirectories(Path.ChangeExtension(assemblyPath, ".runtimeconfig.json"));
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null || assemblyName.Name.StartsWith("System.Text.Json", StringComparison.Ordinal))
        {
            return null;
        }

        var path = _resolver.ResolveAssemblyToPath(assemblyName)
            ?? Probe(_directory, assemblyName.Name)
            ?? _frameworkDirectories.Select(d => Probe(d, assemblyName.Name!)).FirstOrDefault(p => p is not null);

        // Null falls back to the default context: the base framework and herald's own dependencies.
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;

    private static string? Probe(string directory, string name)
    {
        var path = Path.Combine(directory, name + ".dll");
        return File.Exists(path) ? path : null;
    }

    private static List<string> FrameworkDirectories(string runtimeConfigPath)
    {
        var directories = new List<string>();
        var shared = Path.GetDirectoryName(Path.GetDirectoryName(RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar)));
        if (shared is null || !File.Exists(runtimeConfigPath))
        {
            return directories;
        }

        using var config = JsonDocument.Parse(File.ReadAllBytes(runtimeConfigPath), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!config.RootElement.TryGetProperty("runtimeOptions", out var runtimeOptions))
        {
            return directories;
        }

        var frameworks = new List<JsonElement>();
        if (runtimeOptions.TryGetProperty("framework", out var single))
        {
            frameworks.Add(single);
        }

        if (runtimeOptions.TryGetProperty("frameworks", out var several) && several.ValueKind == JsonValueKind.Array)
        {
            frameworks.AddRange(several.EnumerateArray());
        }

        foreach (var framework in frameworks)
        {
            if (framework.TryGetProperty("name", out var name) && framework.TryGetProperty("version", out var version)
                && Version.TryParse(version.GetString(), out var wanted) && Directory.Exists(Path.Combine(shared, name.GetString()!))
                && Newest(Path.Combine(shared, name.GetString()!), wanted.Major) is { } directory)
            {
                directories.Add(directory);
            }
        }

        return directories;
    }

    private static string? Newest(string frameworkDirectory, int major) => Directory.EnumerateDirectories(frameworkDirectory)
        .Select(d => (Directory: d, Version: Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : null))
        .Where(d => d.Version?.Major == major)
        .OrderByDescending(d => d.Version)
        .Select(d => d.Directory)
        .FirstOrDefault();
}
