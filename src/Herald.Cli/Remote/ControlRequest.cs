using System.Text.Json;

namespace Herald.Cli.Remote;

/// <summary>A command line sent to <c>herald serve</c>, with what the command may read of the process that sent it.</summary>
/// <param name="Token">The secret of the server's address file.</param>
/// <param name="Arguments">The command line, as given.</param>
/// <param name="WorkingDirectory">The caller's working directory, against which a relative <c>--data</c> resolves.</param>
/// <param name="Environment">The caller's <c>HERALD_*</c> environment variables.</param>
/// <param name="IsInputRedirected">Whether the caller's stdin is redirected (changes then need <c>--yes</c>).</param>
/// <param name="IsOutputRedirected">Whether the caller's stdout is redirected.</param>
/// <param name="Width">The caller's terminal width, when stdout is a terminal.</param>
internal sealed record ControlRequest(
    string Token, IReadOnlyList<string> Arguments, string WorkingDirectory, IReadOnlyDictionary<string, string> Environment, bool IsInputRedirected, bool IsOutputRedirected, int? Width)
{
    /// <summary>The prefix of the environment variables that travel with a request.</summary>
    public const string EnvironmentPrefix = "HERALD_";

    /// <summary>Returns the request as JSON.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("token", Token);
            writer.WriteStartArray("args");
            foreach (var argument in Arguments)
            {
                writer.WriteStringValue(argument);
            }

            writer.WriteEndArray();
            writer.WriteString("cwd", WorkingDirectory);
            writer.WriteStartObject("env");
            foreach (var (name, value) in Environment)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
            writer.WriteBoolean("stdinRedirected", IsInputRedirected);
            writer.WriteBoolean("stdoutRedirected", IsOutputRedirected);
            if (Width is { } width)
            {
                writer.WriteNumber("width", width);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Parses a request, or returns <see langword="null"/> for anything that is not one.</summary>
    public static ControlRequest? Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var variable in root.GetProperty("env").EnumerateObject())
            {
                if (variable.Name.StartsWith(EnvironmentPrefix, StringComparison.Ordinal))
                {
                    environment[variable.Name] = variable.Value.GetString() ?? "";
                }
            }

            return new ControlRequest(
                root.GetProperty("token").GetString() ?? "",
                [.. root.GetProperty("args").EnumerateArray().Select(a => a.GetString() ?? "")],
                root.GetProperty("cwd").GetString() ?? "",
                environment,
                root.GetProperty("stdinRedirected").GetBoolean(),
                root.GetProperty("stdoutRedirected").GetBoolean(),
                root.TryGetProperty("width", out var width) ? width.GetInt32() : null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
