using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Herald.Server.Tests.Broker;

/// <summary>A consumer group member in a process of its own (Herald.Server.GroupChild): what it printed, by assignment.</summary>
internal sealed class GroupChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Lock _lock = new();
    private readonly List<List<(int Partition, long Offset, string Key, int Sequence)>> _segments = [[]];
    private readonly StringBuilder _errors = new();
    private int[] _owned = [];

    private GroupChildProcess(Process process) => _process = process;

    /// <summary>Gets the partitions the member owns now: those of its last assignment, none after a revocation.</summary>
    public int[] Owned
    {
        get
        {
            lock (_lock)
            {
                return _owned;
            }
        }
    }

    /// <summary>Gets the records the member printed, split at each new assignment.</summary>
    public List<List<(int Partition, long Offset, string Key, int Sequence)>> Segments
    {
        get
        {
            lock (_lock)
            {
                return [.. _segments.Select(s => s.ToList())];
            }
        }
    }

    public IEnumerable<(int Partition, long Offset, string Key, int Sequence)> Records => Segments.SelectMany(s => s);

    public string Errors
    {
        get
        {
            lock (_lock)
            {
                return _errors.ToString();
            }
        }
    }

    public static GroupChildProcess Start(string bootstrap, string topic, string group, TimeSpan sessionTimeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "exec", "--runtimeconfig", Path.Combine(AppContext.BaseDirectory, "Herald.Server.GroupChild.runtimeconfig.json"),
            Path.Combine(AppContext.BaseDirectory, "Herald.Server.GroupChild.dll"),
            bootstrap, topic, group, ((int)sessionTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        var child = new GroupChildProcess(new Process { StartInfo = start });
        child._process.OutputDataReceived += (_, e) => child.Read(e.Data);
        child._process.ErrorDataReceived += (_, e) =>
        {
            lock (child._lock)
            {
                child._errors.AppendLine(e.Data);
            }
        };
        child._process.Start();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Kills the process with SIGKILL: no leave, no last commit.</summary>
    public void Kill() => _process.Kill();

    /// <summary>Closes the member's standard input, so it commits, leaves the group and exits; fails unless it exits 0.</summary>
    public async Task StopAsync()
    {
        _process.StandardInput.Close();
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.True(_process.ExitCode == 0, $"a group member exited with {_process.ExitCode}: {Errors}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    private void Read(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            if (line.StartsWith("# assigned", StringComparison.Ordinal))
            {
                _owned = [.. line["# assigned".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
                _segments.Add([]);
            }
            else if (line.StartsWith("# revoked", StringComparison.Ordinal))
            {
                _owned = [];
            }
            else if (line.Split(' ') is [var partition, var offset, var key, var sequence])
            {
                _segments[^1].Add((int.Parse(partition, CultureInfo.InvariantCulture), long.Parse(offset, CultureInfo.InvariantCulture), key, int.Parse(sequence, CultureInfo.InvariantCulture)));
            }
        }
    }
}
