using System.Globalization;
using System.Text;
using Herald.Log;
using Herald.Log.CrashChild;
using Herald.Log.Storage;

// Usage: Herald.Log.CrashChild DATA_DIR WRITERS
//    or: Herald.Log.CrashChild --warm-up WARM_UP_DIR WRITERS
// Opens DATA_DIR with CrashLog.Options and appends CrashLog.Record("writer:sequence") records from WRITERS concurrent
// writers until killed, each resuming its sequence from what the log holds and keeping up to CrashLog.InFlight records
// in flight, in single and multi-record appends. Prints "ready" once open, "sync PATH SIZE" after every fsync of a log
// file (before the appends it covers are acknowledged), and "ack WRITER SEQUENCE" for the last record of every
// acknowledged append, each writer's in order.
//    or: Herald.Log.CrashChild --create-topic DATA_DIR KILL_AT_STEP   (see TopicCreation)
// With --warm-up it first appends a little to a throwaway log in WARM_UP_DIR, so that the code is compiled before the
// kill clock starts, deletes it, prints "waiting" and reads DATA_DIR from a line of standard input.
if (args is ["--create-topic", var createIn, var killAt])
{
    return TopicCreation.Run(createIn, int.Parse(killAt, CultureInfo.InvariantCulture));
}

var warmUp = args.Length == 3 && args[0] == "--warm-up";
if (args.Length != (warmUp ? 3 : 2) || !int.TryParse(args[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var writers) || writers < 1)
{
    Console.Error.WriteLine("Usage: Herald.Log.CrashChild DATA_DIR WRITERS | Herald.Log.CrashChild --warm-up WARM_UP_DIR WRITERS");
    return 2;
}

var output = new StreamWriter(Console.OpenStandardOutput(), Encoding.ASCII) { AutoFlush = true };
void Print(string line)
{
    lock (output)
    {
        output.WriteLine(line);
    }
}

var directory = args[0];
if (warmUp)
{
    using (var scratch = EmbeddedLog.Open(args[1], CrashLog.Options()))
    {
        var topic = scratch.GetOrCreateTopic(CrashLog.Topic);
        await AppendAsync(topic, Resume(topic, writers), 10, (_, _) => { });
        _ = Resume(topic, writers);
    }

    Directory.Delete(args[1], recursive: true);
    Print("waiting");
    if (Console.ReadLine() is not { Length: > 0 } line)
    {
        return 0;
    }

    directory = line;
}

SegmentFile.Synced = (path, size) => Print($"sync {path} {size}");
using var log = EmbeddedLog.Open(directory, CrashLog.Options());
var crash = log.GetOrCreateTopic(CrashLog.Topic);
var next = Resume(crash, writers);
Print("ready");
await AppendAsync(crash, next, int.MaxValue, (writer, last) => Print($"ack {writer} {last}"));
return 0;

// Each writer's next sequence: one after its last record in the log.
static long[] Resume(LogTopic topic, int writers)
{
    var next = new long[writers];
    foreach (var partition in topic.Partitions)
    {
        // A writer's last record is near the end: read back from there until every writer of the partition turns up.
        var missing = Enumerable.Range(0, writers).Where(writer => CrashLog.PartitionOf(writer) == partition.Id).ToHashSet();
        for (var back = 256L; missing.Count > 0; back *= 4)
        {
            var from = Math.Max(partition.StartOffset, partition.EndOffset - back);
            using var reader = partition.OpenReader(from);
            while (reader.TryRead(out var records))
            {
                foreach (var record in records)
                {
                    var (writer, sequence) = CrashLog.Parse(record.Value);
                    if (writer < writers)
                    {
                        next[writer] = sequence + 1;
                        missing.Remove(writer);
                    }
                }
            }

            if (from == partition.StartOffset)
            {
                break;
            }
        }
    }

    return next;
}

// Every writer appends appendsPerWriter times, keeping up to CrashLog.InFlight records unacknowledged, and reports the
// last sequence of each acknowledged append in order.
static Task AppendAsync(LogTopic topic, long[] next, int appendsPerWriter, Action<int, long> acknowledged) =>
    Task.WhenAll(Enumerable.Range(0, next.Length).Select(writer => Task.Run(async () =>
    {
        var partition = topic.Partitions[CrashLog.PartitionOf(writer)];
        var random = new Random();
        var inFlight = new Queue<(Task<long> Append, long Last, int Count)>();
        var recordsInFlight = 0;
        var sequence = next[writer];
        for (var appends = 0; appends < appendsPerWriter || inFlight.Count > 0; appends++)
        {
            var count = random.Next(4) == 0 ? random.Next(2, CrashLog.MaxRecordsPerAppend + 1) : 1;
            while (inFlight.Count > 0 && (recordsInFlight + count > CrashLog.InFlight || inFlight.Peek().Append.IsCompleted || appends >= appendsPerWriter))
            {
                var (append, last, appended) = inFlight.Dequeue();
                await append;
                recordsInFlight -= appended;
                acknowledged(writer, last);
            }

            if (appends >= appendsPerWriter)
            {
                break;
            }

            var records = new LogRecord[count];
            for (var i = 0; i < count; i++)
            {
                records[i] = CrashLog.Record(writer, sequence + i, random);
            }

            inFlight.Enqueue((count == 1 ? partition.AppendAsync(records[0]).AsTask() : partition.AppendAsync(records).AsTask(), sequence + count - 1, count));
            recordsInFlight += count;
            sequence += count;
        }
    })));
