namespace Herald.Cli.Remote;

/// <summary>The data directory a command opens is held by <c>herald serve</c>: the command runs in it, or is refused.</summary>
/// <remarks><see cref="HeraldCli.RunAsync"/> sends a command that can run in the server there; any other gets <see cref="Exception.Message"/>
/// and <see cref="ExitCodes.DataDirectoryLocked"/>.</remarks>
internal sealed class DataDirectoryServedException(ServedDirectory served, string directory)
    : Exception($"data directory '{directory}' is held by {served}: 'herald log' and 'herald dlq' run in it, but this command needs the data directory to itself; stop herald serve and retry; nothing was changed.")
{
    /// <summary>Gets the server that holds the directory.</summary>
    public ServedDirectory Served { get; } = served;
}
