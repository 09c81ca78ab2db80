using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Herald.Cli.SchemaCommands;

/// <summary>The schema files of a schema directory: <c>&lt;event-name&gt;/v&lt;version&gt;.schema.json</c>, as <c>herald schema export</c> writes them.</summary>
internal sealed partial class CommittedSchemas
{
    private readonly SortedDictionary<string, SortedDictionary<int, string>> _files;

    private CommittedSchemas(string directory, SortedDictionary<string, SortedDictionary<int, string>> files)
    {
        Directory = directory;
        _files = files;
    }

    /// <summary>Gets the full path of the schema directory.</summary>
    public string Directory { get; }

    /// <summary>Gets the event names that have at least one schema file, in ordinal order.</summary>
    public IEnumerable<string> EventNames => _files.Keys;

    /// <summary>Reads the file names under <paramref name="path"/>; other files and directories are ignored.</summary>
    /// <exception cref="CliException">The directory does not exist (exit code 2).</exception>
    public static CommittedSchemas Read(string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (!System.IO.Directory.Exists(fullPath))
        {
            throw CliException.Usage($"schema directory '{fullPath}' does not exist (run 'herald schema export' and commit it, or set --schemas).");
        }

        var files = new SortedDictionary<string, SortedDictionary<int, string>>(StringComparer.Ordinal);
        foreach (var eventDirectory in System.IO.Directory.EnumerateDirectories(fullPath))
        {
            var versions = new SortedDictionary<int, string>();
            foreach (var file in System.IO.Directory.EnumerateFiles(eventDirectory, "v*.schema.json"))
            {
                var match = FileName().Match(Path.GetFileName(file));
                if (match.Success && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0)
                {
                    versions[version] = file;
                }
            }

            if (versions.Count > 0)
            {
                files[Path.GetFileName(eventDirectory)] = versions;
            }
        }

        return new CommittedSchemas(fullPath, files);
    }

    /// <summary>Returns the committed versions of <paramref name="eventName"/>, oldest first; empty when it has none.</summary>
    public IReadOnlyList<int> Versions(string eventName) =>
        _files.TryGetValue(eventName, out var versions) ? [.. versions.Keys] : [];

    /// <summary>Parses the committed schema of <paramref name="eventName"/> at <paramref name="version"/>.</summary>
    /// <exception cref="CliException">The file is not valid JSON (exit code 1).</exception>
    public JsonNode Load(string eventName, int version)
    {
        var path = _files[eventName][version];
        try
        {
            return JsonNode.Parse(File.ReadAllBytes(path)) ?? throw new JsonException("the file holds null");
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.UnexpectedError, $"committed schema '{path}' is not valid JSON: {e.Message}", e);
        }
    }

    [GeneratedRegex(@"^v([0-9]+)\.schema\.json\z")]
    private static partial Regex FileName();
}
