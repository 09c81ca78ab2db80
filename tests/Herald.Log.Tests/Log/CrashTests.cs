using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Herald.Log.Tests.Log;

/// <summary>
/// Kills (SIGKILL) a process that appends and acknowledges, over and over, and checks after every kill that each
/// acknowledged append is in the log once and in order. Between kills it also tears the tail of a segment the way a
/// power loss mid-write would, and checks that the next open truncates exactly that.
/// </summary>
/// <remarks>Cycles: 50 by default; set HERALD_CRASH_CYCLES for more.</remarks>
public sealed class CrashTests : IDisposable
{
    private const int Writers = 4;
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-crash-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static int Cycles =>
        int.TryParse(Environment.GetEnvironmentVariable("HERALD_CRASH_CYCLES"), NumberStyles.None, CultureInfo.InvariantCulture, out var cycles) && cycles > 0 ? cycles : 50;

    [Fact]
    public async Task KillDuringAppends_EveryAcknowledgedAppendSurvivesOnceAndInOrder()
    {
        var random = new Random(7);
        var acknowledged = new long[Writers];
        Array.Fill(acknowledged, -1);
        var tornTails = 0;
        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            var (acks, recoveriesSeen) = await RunAndKillAsync(TimeSpan.FromMilliseconds(random.Next(20, 120)));
            if (cycle > 0)
            {
                Assert.True(recoveriesSeen >= 1, $"cycle {cycle}: the child did not report truncating the torn tail the test left");
            }

            foreach (var (writer, sequence) in acks)
            {
                acknowledged[writer] = Math.Max(acknowledged[writer], sequence);
            }

            Verify(acknowledged, cycle);
            TearTail(random);
            tornTails++;
        }

        Assert.Equal(Cycles, tornTails);
        Assert.True(acknowledged.All(a => a > 0), $"every writer should have appended: {string.Join(", ", acknowledged)}");
    }

    private async Task<(List<(int Writer, long Sequence)> Acks, int Recoveries)> RunAndKillAsync(TimeSpan runFor)
    {
        var child = Path.Combine(AppContext.BaseDirectory, "Herald.Log.CrashChild.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", "--runtimeconfig", Path.Combine(AppContext.BaseDirectory, "Herald.Log.CrashChild.runtimeconfig.json"), child, _directory, Writers.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var lines = new ConcurrentQueue<string>();
        var ready = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstAck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }

            lines.Enqueue(line);
            if (line.StartsWith("ready ", StringComparison.Ordinal))
            {
                ready.TrySetResult(int.Parse(line.AsSpan(6), CultureInfo.InvariantCulture));
            }
            else
            {
                firstAck.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var exited = process.WaitForExitAsync(TestContext.Current.CancellationToken);
            var started = await Task.WhenAny(firstAck.Task, exited).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.True(started == firstAck.Task, $"the child exited with {(process.HasExited ? process.ExitCode : -1)} before appending: {errors}");
            await Task.Delay(runFor, TestContext.Current.CancellationToken);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        // Lines the child wrote before it died are all in the pipe: WaitForExit drains it.
        var acks = new List<(int, long)>();
        foreach (var line in lines)
        {
            if (line.StartsWith("ack ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                acks.Add((int.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture)));
            }
        }

        return (acks, await ready.Task);
    }

    private void Verify(long[] acknowledged, int cycle)
    {
        using var log = EventLog.Open(_directory);
        var topic = log.GetOrCreateTopic("crash");
        var next = new long[Writers];
        foreach (var partition in topic.Partitions)
        {
            using var reader = partition.OpenReader(0);
            var expectedOffset = 0L;
            while (reader.TryRead(out var records))
            {
                foreach (var record in records)
                {
                    Assert.Equal(expectedOffset++, record.Offset);
                    var text = Encoding.ASCII.GetString(record.Value).Split(':');
                    var writer = int.Parse(text[0], CultureInfo.InvariantCulture);
                    var sequence = long.Parse(text[1], CultureInfo.InvariantCulture);
                    Assert.True(next[writer] == sequence, $"cycle {cycle}: writer {writer} has {sequence} where {next[writer]} was due (a duplicate, a gap or out of order)");
                    next[writer] = sequence + 1;
                }
            }
        }

        for (var writer = 0; writer < Writers; writer++)
        {
            // Everything acknowledged is there; at most the appends in flight at the kill are there beyond it.
            Assert.True(next[writer] - 1 >= acknowledged[writer], $"cycle {cycle}: writer {writer} acknowledged {acknowledged[writer]} but the log ends at {next[writer] - 1}");
        }
    }

    // A power loss in the middle of a write leaves part of a batch after the last whole one.
    private void TearTail(Random random)
    {
        var partitionDirectory = Path.Combine(_directory, $"crash-{random.Next(2)}");
        var last = Directory.GetFiles(partitionDirectory, "*.log").Order(StringComparer.Ordinal).Last();
        var bytes = File.ReadAllBytes(last);
        // A prefix of the segment's first batch, shorter than that batch: a batch cut off mid-write.
        var torn = bytes.Length == 0
            ? new byte[] { 0, 0, 0 }
            : bytes.AsSpan(0, random.Next(1, 12 + BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)))).ToArray();
        using var file = new FileStream(last, FileMode.Append, FileAccess.Write);
        file.Write(torn);
    }
}
