using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Shop.Tests.Services;

/// <summary>Runs eng/shop-services.sh with this build's Shop executable, and follows what it writes while it runs.</summary>
internal sealed partial class ShopServicesScript : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();
    private readonly Lock _sync = new();

    private ShopServicesScript(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_errors, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Gets what the script wrote on standard error so far.</summary>
    public string Errors
    {
        get
        {
            lock (_sync)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Starts the script in <paramref name="workingDirectory"/> with <paramref name="arguments"/>.</summary>
    public static ShopServicesScript Start(string workingDirectory, params string[] arguments)
    {
        Directory.CreateDirectory(workingDirectory);
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        start.ArgumentList.Add(Path.Combine(FindRoot(), "eng", "shop-services.sh"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The Shop this test project was built with, beside the tests: the script need not build it.
        start.Environment["SHOP"] = Path.Combine(AppContext.BaseDirectory, "Shop");
        return new ShopServicesScript(Process.Start(start) ?? throw new InvalidOperationException("bash did not start."));
    }

    /// <summary>Returns the process id of <paramref name="service"/> as the script last started it, or null before it did.</summary>
    public int? ServicePid(string service) =>
        StartedLine().Matches(Errors).Where(m => m.Groups[1].Value == service).Select(m => (int?)int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).LastOrDefault();

    /// <summary>Waits for the script to end; returns its exit code and standard output.</summary>
    public async Task<(int ExitCode, string Output)> WaitAsync(TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"eng/shop-services.sh did not end within {timeout.TotalSeconds} s:\n{Errors}");
        }

        // WaitForExitAsync returns once the streams are read to their end too.
        lock (_sync)
        {
            return (_process.ExitCode, _output.ToString());
        }
    }

    public void Dispose()
    {
        // A test that failed midway must not leave four services running.
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static string FindRoot()
    {
        var directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "Herald.slnx")))
        {
            directory = Path.GetDirectoryName(directory.TrimEnd(Path.DirectorySeparatorChar));
        }

        return directory ?? throw new DirectoryNotFoundException($"No Herald.slnx above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"shop-services: (\w+) started \(pid (\d+)\)")]
    private static partial Regex StartedLine();

    private void Append(StringBuilder text, string? line)
    {
        if (line is not null)
        {
            lock (_sync)
            {
                text.AppendLine(line);
            }
        }
    }
}
