using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Herald.Kafka.Tests;

/// <summary>A Herald application on Herald.Kafka in a process of its own (Herald.Kafka.MemberChild), one member of a
/// consumer group: the partitions its rebalances gave it and took from it, as it printed them.</summary>
internal sealed class MemberProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _topic;
    private readonly Lock _lock = new();
    private readonly HashSet<int> _owned = [];
    private readonly List<int> _givenAway = [];
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();
    private bool _stopping;

    private MemberProcess(string name, string topic, Process process) => (Name, _topic, _process) = (name, topic, process);

    public string Name { get; }

    /// <summary>Gets the partitions of the topic the member owns now.</summary>
    public int[] Owned => Locked(() => _owned.Order().ToArray());

    /// <summary>Gets how many times rebalances have taken a partition from the member so far: a mark for <see cref="GivenAwaySince"/>.</summary>
    public int GivenAwayCount => Locked(() => _givenAway.Count);

    /// <summary>Gets whether the test killed the process.</summary>
    public bool Killed { get; private set; }

    /// <summary>Gets whether the process exited although the test neither killed nor stopped it.</summary>
    public bool Died => !Killed && !_stopping && _process.HasExited;

    /// <summary>Gets what the member printed, its standard output timestamped as the test read it, for failure messages.</summary>
    public string Transcript => Locked(() => $"{Name} out:\n{_output}{Name} err:\n{_errors}");

    public static MemberProcess Start(string name, string bootstrap, string topic, string group, string connectionString)
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
            "exec", "--runtimeconfig", Path.Combine(AppContext.BaseDirectory, "Herald.Kafka.MemberChild.runtimeconfig.json"),
            Path.Combine(AppContext.BaseDirectory, "Herald.Kafka.MemberChild.dll"),
            bootstrap, topic, group, name, connectionString,
        })
        {
            start.ArgumentList.Add(argument);
        }

        var member = new MemberProcess(name, topic, new Process { StartInfo = start });
        member._process.OutputDataReceived += (_, e) => member.Read(e.Data);
        member._process.ErrorDataReceived += (_, e) => member.Locked(() => e.Data is null ? member._errors : member._errors.AppendLine(e.Data));
        member._process.Start();
        member._process.BeginOutputReadLine();
        member._process.BeginErrorReadLine();
        return member;
    }

    /// <summary>Returns the partitions rebalances took from the member (revoked or lost) after <paramref name="mark"/>.</summary>
    public int[] GivenAwaySince(int mark) => Locked(() => _givenAway.Skip(mark).Distinct().Order().ToArray());

    /// <summary>Kills the process and its children with SIGKILL: no revocation, no last commit, no leave.</summary>
    public void Kill()
    {
        Killed = true;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Closes the member's standard input, so it commits, leaves the group and exits; fails unless it exits 0.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        _process.StandardInput.Close();
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.True(_process.ExitCode == 0, $"member {Name} exited with {_process.ExitCode}: {Transcript}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
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
            _output.AppendLine(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {line}");
            // "# CHANGE TOPIC: P,P": the partitions one rebalance callback moved (cooperative-sticky moves only those that
            // change); the group's redrive topic has lines of its own.
            if (!line.StartsWith("# ", StringComparison.Ordinal) || line[2..].Split(": ") is not [var head, var list] || !head.EndsWith(" " + _topic, StringComparison.Ordinal))
            {
                return;
            }

            var change = head[..^(_topic.Length + 1)];
            foreach (var partition in list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)))
            {
                switch (change)
                {
                    case "assigned":
                        _owned.Add(partition);
                        break;
                    case "revoked" or "lost":
                        _owned.Remove(partition);
                        _givenAway.Add(partition);
                        break;
                    case "given up" or "released after a failure":
                        _owned.Remove(partition);
                        break;
                }
            }
        }
    }

    private T Locked<T>(Func<T> read)
    {
        lock (_lock)
        {
            return read();
        }
    }
}
