using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Herald.Conformance.Interop;

/// <summary>A running node process of the interop sample: the JSON lines it printed, in order, and its end.</summary>
public sealed class NodeRun : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();
    private readonly Task _errorReader;
    private readonly CancellationTokenSource _timeout;

    internal NodeRun(Process process, TimeSpan timeout)
    {
        _process = process;
        _timeout = new CancellationTokenSource(timeout);
        _errorReader = ReadErrorsAsync();
    }

    /// <summary>Returns the next line the sample printed, parsed; fails the test when the sample ends first.</summary>
    public async Task<JsonElement> ReadLineAsync(CancellationToken cancellationToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timeout.Token);
        var line = await _process.StandardOutput.ReadLineAsync(cancel.Token);
        if (line is null)
        {
            await _process.WaitForExitAsync(cancel.Token);
            await _errorReader;
            Assert.Fail($"The interop sample ended (exit code {_process.ExitCode}) before printing what the test waits for. It wrote: {_errors}");
        }

        return Parse(line);
    }

    /// <summary>Waits for the sample to exit and returns the lines it printed since the last read; fails the test on a non-zero exit code.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForExitAsync(CancellationToken cancellationToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timeout.Token);
        var lines = new List<JsonElement>();
        while (await _process.StandardOutput.ReadLineAsync(cancel.Token) is { } line)
        {
            lines.Add(Parse(line));
        }

        await _process.WaitForExitAsync(cancel.Token);
        await _errorReader;
        Assert.True(_process.ExitCode == 0, $"The interop sample exited with code {_process.ExitCode}: {_errors}");
        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
        _timeout.Dispose();
    }

    private async Task ReadErrorsAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            _errors.AppendLine(line);
        }
    }

    private JsonElement Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"The interop sample printed a line that is not JSON: '{line}'. It wrote: {_errors}", e);
        }
    }
}
