using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Herald.Log.CrashChild;
using static Herald.Log.Storage.RecordBatchLayout;

namespace Herald.Log.Tests.Log;

/// <summary>
/// Kills (SIGKILL) a process that appends and acknowledges, over and over, and after every kill simulates a power cut:
/// what the child reported fsynced stays, of the bytes written after it only a random subset of pages reaches the disk
/// (the others read as zeros) and the file may end at any page boundary. The log must then open undamaged and hold each
/// acknowledged append once and in order. Every tenth cycle also flips a bit in an acknowledged batch that a whole later
/// commit group follows, and checks on a copy that the log opens and names exactly that damage.
/// </summary>
/// <remarks>
/// Cycles: 200 by default; set HERALD_CRASH_CYCLES for more. The choices come from a seed that every failure names; set
/// HERALD_CRASH_SEED to make the same choices again (the kill timing still varies).
/// </remarks>
public sealed class CrashTests : IDisposable
{
    private const int Writers = 16;
    private const int BitFlipEvery = 10;

    // Every cycle reads the whole log twice (the check and the child resuming): starting over bounds that work.
    private const long StartOverBytes = 4 * 1024 * 1024;

    private readonly string _root = Directory.CreateTempSubdirectory("herald-crash-").FullName;

    // What the simulated disk holds for sure of each .log file, by path relative to the data directory. A file not in
    // here was created after the last fsync of its partition.
    private readonly Dictionary<string, DiskFile> _files = new(StringComparer.Ordinal);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static int Cycles => EnvironmentInt("HERALD_CRASH_CYCLES") is { } cycles and > 0 ? cycles : 200;

    [Fact]
    public async Task PowerCutsDuringAppends_LogOpensUndamagedWithEveryAcknowledgedAppendOnceAndInOrder()
    {
        var seed = EnvironmentInt("HERALD_CRASH_SEED") ?? Random.Shared.Next();
        var random = new Random(seed);
        var stopwatch = Stopwatch.StartNew();
        var directory = NewDataDirectory(0);
        // The highest sequence of each writer that the log must hold: acknowledged, or found after a power cut.
        var durable = NewSequences();
        int recovered = 0, bitFlips = 0, startedOver = 0, children = 0;
        // The next cycle's child starts while this cycle's runs, so that its start-up does not add to the cycle.
        var next = Child.Start(Path.Combine(_root, $"warm-up-{children++}"));
        try
        {
            for (var cycle = 0; cycle < Cycles; cycle++)
            {
                var context = $"seed {seed}, cycle {cycle}";
                using (var child = next)
                {
                    await child.StartAppendingAsync(directory, context);
                    next = Child.Start(Path.Combine(_root, $"warm-up-{children++}"));
                    await child.KillAfterAsync(TimeSpan.FromMilliseconds(random.Next(20, 120)));
                    foreach (var (writer, sequence) in child.Acks)
                    {
                        durable[writer] = Math.Max(durable[writer], sequence);
                    }

                    foreach (var (path, size) in child.Syncs)
                    {
                        Known(Path.GetRelativePath(directory, path)).Synced(size);
                    }
                }

                var mayHold = NewSequences();
                for (var writer = 0; writer < Writers; writer++)
                {
                    // The child appends a writer's next records only while fewer than InFlight are unacknowledged.
                    mayHold[writer] = durable[writer] + CrashLog.InFlight;
                }

                context += PowerCut(directory, random, context);
                if (cycle % BitFlipEvery == BitFlipEvery - 1 && CheckBitFlip(directory, random, durable, mayHold, context))
                {
                    bitFlips++;
                }

                if (Verify(directory, durable, mayHold, context))
                {
                    recovered++;
                }

                RecordSurvivors(directory);
                if (DataBytes(directory) > StartOverBytes)
                {
                    Directory.Delete(directory, recursive: true);
                    directory = NewDataDirectory(++startedOver);
                    _files.Clear();
                    durable = NewSequences();
                }
            }
        }
        finally
        {
            next.Dispose();
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"seed {seed}: {Cycles} cycles in {stopwatch.Elapsed.TotalSeconds:F1} s; {recovered} opens cut a torn tail, {bitFlips} bit flips checked, {startedOver} fresh data directories.");
        if (Cycles >= 50)
        {
            Assert.True(recovered > 0, $"seed {seed}: no power cut left a torn tail to cut");
            Assert.True(bitFlips > 0, $"seed {seed}: no cycle had an acknowledged batch with a whole commit group after it to flip a bit in");
        }
    }

    private static int? EnvironmentInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static long[] NewSequences()
    {
        var sequences = new long[Writers];
        Array.Fill(sequences, -1);
        return sequences;
    }

    private static long DataBytes(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(file => new FileInfo(file).Length);

    private static IEnumerable<string> PartitionDirectories(string directory) =>
        Directory.GetDirectories(directory, CrashLog.Topic + "-*").Order(StringComparer.Ordinal);

    private static string[] LogFiles(string partitionDirectory) =>
        [.. Directory.GetFiles(partitionDirectory, "*.log").Order(StringComparer.Ordinal)];

    private string NewDataDirectory(int number) => Directory.CreateDirectory(Path.Combine(_root, $"data-{number}")).FullName;

    private DiskFile Known(string relativePath)
    {
        if (!_files.TryGetValue(relativePath, out var file))
        {
            _files.Add(relativePath, file = new DiskFile());
        }

        return file;
    }

    /// <summary>Leaves each file as a power cut could: the fsynced bytes, and of the rest only some pages, maybe cut short.</summary>
    /// <returns>What was cut, for the failure messages.</returns>
    private string PowerCut(string directory, Random random, string context)
    {
        // A disk that writes back 4 KiB pages, or one whose volatile cache holds 512-byte sectors.
        var page = random.Next(2) == 0 ? 4096 : 512;
        var summary = new StringBuilder().Append(CultureInfo.InvariantCulture, $"; power cut in {page}-byte pages:");
        foreach (var partitionDirectory in PartitionDirectories(directory))
        {
            foreach (var path in LogFiles(partitionDirectory))
            {
                var relativePath = Path.GetRelativePath(directory, path);
                var neverSynced = !_files.TryGetValue(relativePath, out var known);
                var synced = known?.Durable ?? 0;
                long length;
                using (var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
                {
                    length = RandomAccess.GetLength(file);
                    Assert.True(length >= synced, $"{context}: '{relativePath}' is {length} bytes long, shorter than the {synced} bytes already on the disk");
                    if (length == synced)
                    {
                        continue;
                    }

                    if (neverSynced && random.Next(4) == 0)
                    {
                        // Created after the last fsync: the whole file may be lost.
                        RandomAccess.SetLength(file, 0);
                        summary.Append(CultureInfo.InvariantCulture, $" {relativePath} lost all {length} bytes;");
                        continue;
                    }

                    var tail = new byte[length - synced];
                    RandomAccess.Read(file, tail, synced);
                    var keep = random.Next(4) == 0 ? 1.0 : random.NextDouble();
                    var pages = 0;
                    var dropped = 0;
                    for (var pageStart = synced / page * page; pageStart < length; pageStart += page)
                    {
                        pages++;
                        if (random.NextDouble() >= keep)
                        {
                            dropped++;
                            var from = Math.Max(pageStart, synced);
                            tail.AsSpan((int)(from - synced), (int)(Math.Min(pageStart + page, length) - from)).Clear();
                        }
                    }

                    RandomAccess.Write(file, tail, synced);
                    summary.Append(CultureInfo.InvariantCulture, $" {relativePath} {synced} of {length} bytes on the disk, {dropped} of {pages} pages after them zeroed");
                    if (random.Next(3) == 0)
                    {
                        var ends = new List<long> { synced };
                        for (var pageEnd = (synced / page + 1) * page; pageEnd < length; pageEnd += page)
                        {
                            ends.Add(pageEnd);
                        }

                        var end = ends[random.Next(ends.Count)];
                        RandomAccess.SetLength(file, end);
                        summary.Append(CultureInfo.InvariantCulture, $", cut at {end}");
                    }

                    summary.Append(';');
                }
            }

            // The active segment's index files are only fsynced when it is sealed, and are hints that opening checks
            // against the log: a power cut may leave any part of them.
            var active = LogFiles(partitionDirectory) is { Length: > 0 } files ? files[^1] : null;
            foreach (var path in active is null ? [] : new[] { Path.ChangeExtension(active, ".index"), Path.ChangeExtension(active, ".timeindex") })
            {
                if (File.Exists(path) && random.Next(2) == 0)
                {
                    using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
                    var length = random.NextInt64(RandomAccess.GetLength(file) + 1);
                    RandomAccess.SetLength(file, length);
                    summary.Append(CultureInfo.InvariantCulture, $" {Path.GetRelativePath(directory, path)} cut at {length};");
                }
            }
        }

        return summary.ToString();
    }

    /// <summary>After a power cut, what is on the disk is durable: the next cut starts from there.</summary>
    private void RecordSurvivors(string directory)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var partitionDirectory in PartitionDirectories(directory))
        {
            foreach (var path in LogFiles(partitionDirectory))
            {
                var relativePath = Path.GetRelativePath(directory, path);
                Known(relativePath).Survived(new FileInfo(path).Length);
                present.Add(relativePath);
            }
        }

        foreach (var gone in _files.Keys.Where(path => !present.Contains(path)).ToList())
        {
            _files.Remove(gone);
        }
    }

    /// <summary>Opens the log after a power cut and checks that it is undamaged and holds what it must.</summary>
    /// <returns>Whether opening cut a torn tail.</returns>
    private bool Verify(string directory, long[] durable, long[] mayHold, string context)
    {
        using var log = Open(directory, context);
        Assert.True(log.Damaged.Count == 0, $"{context}: the log reports damage after a power cut: {string.Join("; ", log.Damaged.Select(damage => damage + OnDisk(directory, damage.FileName)))}");
        var topic = log.GetOrCreateTopic(CrashLog.Topic);
        Assert.True(topic.Partitions.Count == CrashLog.Partitions, $"{context}: the topic has {topic.Partitions.Count} partitions");
        var next = new long[Writers];
        foreach (var partition in topic.Partitions)
        {
            Assert.True(partition.Damage is null, $"{context}: partition {partition.Id} reports damage after a power cut: {partition.Damage}{OnDisk(directory, partition.Damage?.FileName)}");
            CheckPartition(partition, next, durable, mayHold, context);
        }

        // What survived the cut is on the disk now: the next cut cannot take it.
        for (var writer = 0; writer < Writers; writer++)
        {
            durable[writer] = next[writer] - 1;
        }

        return log.Recoveries.Count > 0;
    }

    /// <summary>Checks that a partition's offsets run without gaps and that its writers' records are there once, in order, each from the first to at least the durable one and at most the last that may be.</summary>
    private static void CheckPartition(LogPartition partition, long[] next, long[] durable, long[] mayHold, string context)
    {
        using (var reader = partition.OpenReader(0))
        {
            var expectedOffset = partition.StartOffset;
            while (reader.TryRead(out var records))
            {
                foreach (var record in records)
                {
                    Assert.True(record.Offset == expectedOffset, $"{context}: partition {partition.Id} has offset {record.Offset} where {expectedOffset} was due");
                    expectedOffset++;
                    var (writer, sequence) = CrashLog.Parse(record.Value);
                    Assert.True(writer is >= 0 and < Writers && CrashLog.PartitionOf(writer) == partition.Id, $"{context}: partition {partition.Id} holds a record of writer {writer} at offset {record.Offset}");
                    Assert.True(next[writer] == sequence, $"{context}: writer {writer} has {sequence} at offset {record.Offset} of partition {partition.Id} where {next[writer]} was due (a duplicate, a gap or out of order)");
                    next[writer] = sequence + 1;
                }
            }

            Assert.True(expectedOffset == partition.EndOffset, $"{context}: partition {partition.Id} reads to offset {expectedOffset} but ends at {partition.EndOffset}");
        }

        for (var writer = 0; writer < Writers; writer++)
        {
            if (CrashLog.PartitionOf(writer) != partition.Id)
            {
                continue;
            }

            Assert.True(next[writer] - 1 >= durable[writer], $"{context}: writer {writer} acknowledged {durable[writer]} but partition {partition.Id} ends its records at {next[writer] - 1}");
            Assert.True(next[writer] - 1 <= mayHold[writer], $"{context}: writer {writer} had at most {mayHold[writer]} appended but partition {partition.Id} holds {next[writer] - 1}");
        }
    }

    /// <summary>
    /// On a copy of the data directory, flips a bit in an acknowledged batch that a whole later commit group follows, and
    /// checks that the log opens with exactly that damage named, its partition refusing service and the other serving.
    /// </summary>
    /// <returns>Whether a batch qualified.</returns>
    private bool CheckBitFlip(string directory, Random random, long[] durable, long[] mayHold, string context)
    {
        var candidates = new List<(int Partition, string RelativePath, long Position, long End, bool Sealed)>();
        var partitionDirectories = PartitionDirectories(directory).ToArray();
        var header = new byte[LogOverhead];
        for (var p = 0; p < partitionDirectories.Length; p++)
        {
            var logFiles = LogFiles(partitionDirectories[p]);
            foreach (var path in logFiles)
            {
                var relativePath = Path.GetRelativePath(directory, path);
                if (!_files.TryGetValue(relativePath, out var known) || known.AcknowledgedBeforeWholeGroup is not { } limit)
                {
                    continue;
                }

                using var file = File.OpenHandle(path);
                for (long position = 0; position + LogOverhead <= limit;)
                {
                    RandomAccess.Read(file, header, position);
                    var end = position + LogOverhead + BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(BatchLengthPosition));
                    if (end - position < RecordsPosition || end > limit)
                    {
                        break;
                    }

                    candidates.Add((p, relativePath, position, end, path != logFiles[^1]));
                    position = end;
                }
            }
        }

        if (candidates.Count == 0)
        {
            return false;
        }

        var copy = directory + "-flipped";
        CopyDirectory(directory, copy);
        try
        {
            // Sealed segments outnumber active ones: choose the kind first, so that both get their share.
            var sealedOnes = random.Next(2) == 0;
            var ofKind = candidates.Where(candidate => candidate.Sealed == sealedOnes).ToList() is { Count: > 0 } kind ? kind : candidates;
            var (partitionId, relativePath, position, end, isSealed) = ofKind[random.Next(ofKind.Count)];
            var flipped = Path.Combine(copy, relativePath);
            var at = random.NextInt64(position + AttributesPosition, end);
            var bit = random.Next(8);
            using (var file = File.OpenHandle(flipped, FileMode.Open, FileAccess.ReadWrite))
            {
                var b = new byte[1];
                RandomAccess.Read(file, b, at);
                b[0] ^= (byte)(1 << bit);
                RandomAccess.Write(file, b, at);
            }

            if (isSealed)
            {
                // Opening re-validates a sealed segment from its newest index entry only: without entries, all of it.
                File.WriteAllBytes(Path.ChangeExtension(flipped, ".index"), []);
                File.WriteAllBytes(Path.ChangeExtension(flipped, ".timeindex"), []);
            }

            context += $"; flipped bit {bit} of byte {at} in the batch at {position} of {relativePath}";
            using var log = Open(copy, context);
            Assert.True(log.Damaged.Count == 1, $"{context}: the log reports {log.Damaged.Count} damaged partitions: {string.Join("; ", log.Damaged)}");
            var damage = log.Damaged[0];
            Assert.True(
                damage.Topic == CrashLog.Topic && damage.Partition == partitionId && damage.Position == position
                    && Path.GetFullPath(damage.FileName, Path.GetDirectoryName(flipped)!) == Path.GetFullPath(flipped),
                $"{context}: the log reports {damage}");
            var topic = log.GetOrCreateTopic(CrashLog.Topic);
            var next = new long[Writers];
            foreach (var partition in topic.Partitions)
            {
                if (partition.Id == partitionId)
                {
                    Assert.True(partition.Damage == damage, $"{context}: partition {partition.Id} reports {partition.Damage?.ToString() ?? "no damage"}, the log {damage}");
                }
                else
                {
                    Assert.True(partition.Damage is null, $"{context}: partition {partition.Id} reports damage it does not have: {partition.Damage}");
                    CheckPartition(partition, next, durable, mayHold, context);
                }
            }
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }

        return true;
    }

    private EmbeddedLog Open(string directory, string context)
    {
        try
        {
            return EmbeddedLog.Open(directory, CrashLog.Options());
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException)
        {
            Assert.Fail($"{context}: the log does not open{OnDisk(directory, (exception as LogCorruptedException)?.FileName)}: {exception}");
            throw;
        }
    }

    // Whether damage lies in bytes that were on the disk for sure (a lost fsync or a recovery bug) or after them.
    private string OnDisk(string directory, string? fileName)
    {
        if (fileName is null)
        {
            return "";
        }

        var relativePath = Path.GetRelativePath(directory, Path.GetFullPath(fileName, directory));
        return _files.TryGetValue(relativePath, out var known)
            ? $" ({known.Durable} bytes of '{relativePath}' were on the disk for sure)"
            : $" ('{relativePath}' was never fsynced)";
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var path in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, path));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(path, target);
        }
    }

    /// <summary>What the simulated disk holds for sure of one .log file.</summary>
    private sealed class DiskFile
    {
        // The sizes the child reported fsynced: ends of commit groups it acknowledged.
        private readonly SortedSet<long> _synced = [];

        // Those and the sizes power cuts left: every commit-group boundary known.
        private readonly SortedSet<long> _boundaries = [];

        /// <summary>Gets the size that no power cut can take.</summary>
        public long Durable => _boundaries.Count == 0 ? 0 : _boundaries.Max;

        /// <summary>
        /// Gets the end of the acknowledged batches that a whole fsynced commit group follows, where damage cannot be a
        /// torn write, or <see langword="null"/> when there are none.
        /// </summary>
        public long? AcknowledgedBeforeWholeGroup
        {
            get
            {
                if (_synced.Count == 0 || _synced.Max == 0 || _boundaries.GetViewBetween(0, _synced.Max - 1) is not { Count: > 0 } before)
                {
                    return null;
                }

                // The last acknowledged commit group runs from the boundary before the last fsync to it.
                return _synced.GetViewBetween(0, before.Max) is { Count: > 0 } acknowledged ? acknowledged.Max : null;
            }
        }

        public void Synced(long size)
        {
            _synced.Add(size);
            _boundaries.Add(size);
        }

        public void Survived(long length)
        {
            _synced.RemoveWhere(size => size > length);
            _boundaries.RemoveWhere(size => size > length);
            _boundaries.Add(length);
        }
    }

    /// <summary>A crash child process: started ahead, warmed up on a throwaway log, then pointed at the data directory and killed.</summary>
    private sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _firstAck = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly StringBuilder _errors = new();
        private bool _disposed;

        private Child(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not { } line)
                {
                    return;
                }

                _lines.Enqueue(line);
                if (line == "waiting")
                {
                    _waiting.TrySetResult();
                }
                else if (line.StartsWith("ack ", StringComparison.Ordinal))
                {
                    _firstAck.TrySetResult();
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                lock (_errors)
                {
                    _errors.AppendLine(e.Data);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public List<(int Writer, long Sequence)> Acks { get; } = [];

        public List<(string Path, long Size)> Syncs { get; } = [];

        public static Child Start(string warmUpDirectory)
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
                "exec", "--runtimeconfig", Path.Combine(AppContext.BaseDirectory, "Herald.Log.CrashChild.runtimeconfig.json"),
                Path.Combine(AppContext.BaseDirectory, "Herald.Log.CrashChild.dll"), "--warm-up", warmUpDirectory, Writers.ToString(CultureInfo.InvariantCulture),
            })
            {
                start.ArgumentList.Add(argument);
            }

            return new Child(Process.Start(start)!);
        }

        /// <summary>Points the warmed-up child at <paramref name="directory"/> and waits for its first acknowledged append.</summary>
        public async Task StartAppendingAsync(string directory, string context)
        {
            var exited = _process.WaitForExitAsync(TestContext.Current.CancellationToken);
            var warm = await Task.WhenAny(_waiting.Task, exited).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.True(warm == _waiting.Task, $"{context}: the child exited with {ExitCode} while warming up: {Errors}");
            await _process.StandardInput.WriteLineAsync(directory);
            await _process.StandardInput.FlushAsync(TestContext.Current.CancellationToken);
            var started = await Task.WhenAny(_firstAck.Task, exited).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.True(started == _firstAck.Task, $"{context}: the child exited with {ExitCode} before appending: {Errors}");
        }

        /// <summary>Lets the child append for <paramref name="runFor"/>, SIGKILLs it, and collects what it reported.</summary>
        public async Task KillAfterAsync(TimeSpan runFor)
        {
            try
            {
                await Task.Delay(runFor, TestContext.Current.CancellationToken);
            }
            finally
            {
                _process.Kill();
                await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
            }

            // Lines the child wrote before it died are all in the pipe: WaitForExit drains it.
            foreach (var line in _lines)
            {
                if (line.StartsWith("ack ", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ');
                    Acks.Add((int.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture)));
                }
                else if (line.StartsWith("sync ", StringComparison.Ordinal))
                {
                    var space = line.LastIndexOf(' ');
                    Syncs.Add((line[5..space], long.Parse(line.AsSpan(space + 1), CultureInfo.InvariantCulture)));
                }
            }
        }

        public void Dispose()
        {
            // A cycle that fails before starting the next child leaves this one in both the using and the finally.
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }

            _process.Dispose();
        }

        private int ExitCode => _process.HasExited ? _process.ExitCode : -1;

        private string Errors
        {
            get
            {
                lock (_errors)
                {
                    return _errors.ToString();
                }
            }
        }
    }
}
