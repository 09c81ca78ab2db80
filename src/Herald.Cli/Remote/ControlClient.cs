using System.Globalization;
using System.Net.Sockets;

namespace Herald.Cli.Remote;

/// <summary>Runs a command line in the <c>herald serve</c> that holds its data directory, relaying its output and questions.</summary>
internal static class ControlClient
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Sends <paramref name="args"/> to <paramref name="served"/> and returns the command's exit code.</summary>
    /// <exception cref="CliException">The server cannot be reached, refused the request or closed the channel early.</exception>
    public static async Task<int> RunAsync(ServedDirectory served, IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        using var client = new TcpClient(served.Control.AddressFamily);
        try
        {
            using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connecting.CancelAfter(ConnectTimeout);
            await client.ConnectAsync(served.Control, connecting.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.DataDirectoryLocked, $"the data directory is held by {served}, which did not answer at {served.Control} ({e.Message}); nothing was changed.", e);
        }

        var stream = client.GetStream();
        // The one variable a served command reads: the default of --data.
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (context.GetEnvironmentVariable(DataDirectory.EnvironmentVariable) is { } data)
        {
            environment[DataDirectory.EnvironmentVariable] = data;
        }

        var request = new ControlRequest(
            served.Token, args, context.WorkingDirectory ?? Environment.CurrentDirectory, environment, context.IsInputRedirected, context.IsOutputRedirected, context.IsOutputRedirected ? null : context.Width ?? TerminalWidth());
        ControlFrames.Write(stream, ControlFrames.Request, request.ToJson());
        while (true)
        {
            var frame = await ControlFrames.ReadAsync(stream, cancellationToken)
                ?? throw new CliException(ExitCodes.UnexpectedError, $"{served} closed the channel before the command finished; what was done stays done.");
            switch (frame.Type)
            {
                case ControlFrames.Out:
                    context.Out.Write(frame.Text);
                    break;
                case ControlFrames.Error:
                    context.Error.Write(frame.Text);
                    break;
                case ControlFrames.Question:
                    var yes = await context.Confirm(frame.Text, cancellationToken);
                    ControlFrames.Write(stream, ControlFrames.Answer, yes ? "y" : "n");
                    break;
                case ControlFrames.Exit when int.TryParse(frame.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exitCode):
                    return exitCode;
                default:
                    throw new CliException(ExitCodes.UnexpectedError, $"{served} sent a frame this herald does not understand (type {frame.Type}); is it another version of herald?");
            }
        }
    }

    private static int? TerminalWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
