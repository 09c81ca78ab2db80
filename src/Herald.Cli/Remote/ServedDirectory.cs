using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Herald.Cli.Remote;

/// <summary>
/// What <c>herald serve</c> leaves in the data directory it holds, so that the other commands find it: its process, its
/// Kafka address, and the loopback address and secret of the channel that runs <c>herald dlq</c> and <c>herald log</c>
/// in it.
/// </summary>
/// <remarks>
/// The file is readable by its owner only: whoever can read it may run those commands, as whoever could open the data
/// directory could before. It is written under a temporary name and renamed, and removed when the server stops; one
/// left by a killed server is ignored, since its process no longer holds the directory's lock.
/// </remarks>
internal sealed record ServedDirectory(int ProcessId, string Kafka, IPEndPoint Control, string Token)
{
    /// <summary>The file's name in the data directory; hidden, so the log counts it as its own.</summary>
    public const string FileName = ".herald-serve";

    /// <summary>Returns what <paramref name="dataDirectory"/>'s file says, or <see langword="null"/> when it has none or an unreadable one.</summary>
    public static ServedDirectory? Read(string dataDirectory)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dataDirectory, FileName)));
            var root = document.RootElement;
            return IPEndPoint.TryParse(root.GetProperty("control").GetString() ?? "", out var control)
                ? new ServedDirectory(root.GetProperty("pid").GetInt32(), root.GetProperty("kafka").GetString() ?? "", control, root.GetProperty("token").GetString() ?? "")
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Writes the file into <paramref name="dataDirectory"/>, replacing one a killed server left.</summary>
    public void Write(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteNumber("pid", ProcessId);
            writer.WriteString("kafka", Kafka);
            writer.WriteString("control", Control.ToString());
            writer.WriteString("token", Token);
            writer.WriteEndObject();
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Removes the file from <paramref name="dataDirectory"/> if it is still this one (same token).</summary>
    public void Delete(string dataDirectory)
    {
        try
        {
            if (Read(dataDirectory)?.Token == Token)
            {
                File.Delete(Path.Combine(dataDirectory, FileName));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind, it is ignored: no process holds the directory's lock with its pid.
        }
    }

    /// <summary>Describes the server for a message: <c>herald serve (pid 123, Kafka on 127.0.0.1:9092)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"herald serve (pid {ProcessId}, Kafka on {Kafka})");
}
