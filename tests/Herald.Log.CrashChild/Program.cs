using System.Globalization;
using System.Text;
using Herald.Log;
using Herald.Log.Storage;

// Usage: Herald.Log.CrashChild DATA_DIR WRITERS
// Appends "writer:sequence" records from WRITERS concurrent writers, each awaiting every append, resuming each writer's
// sequence from what the log holds, and prints "ack WRITER SEQUENCE" for every acknowledged append until killed.
if (args.Length != 2 || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var writers) || writers < 1)
{
    Console.Error.WriteLine("Usage: Herald.Log.CrashChild DATA_DIR WRITERS");
    return 2;
}

var options = new EventLogOptions();
options.DefaultTopic.Partitions = 2;
options.DefaultTopic.SegmentBytes = 64 * 1024;
using var log = EventLog.Open(args[0], options);
var topic = log.GetOrCreateTopic("crash");
var output = new StreamWriter(Console.OpenStandardOutput(), Encoding.ASCII) { AutoFlush = true };
var next = new long[writers];
foreach (var partition in topic.Partitions)
{
    using var reader = partition.OpenReader(0);
    while (reader.TryRead(out var records))
    {
        foreach (var record in records)
        {
            var text = Encoding.ASCII.GetString(record.Value);
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            var writer = int.Parse(text.AsSpan(0, colon), CultureInfo.InvariantCulture);
            if (writer < writers)
            {
                next[writer] = long.Parse(text.AsSpan(colon + 1), CultureInfo.InvariantCulture) + 1;
            }
        }
    }
}

lock (output)
{
    output.WriteLine($"ready {log.Recoveries.Count}");
}

await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
{
    var partition = topic.Partitions[writer % topic.Partitions.Count];
    var key = Encoding.ASCII.GetBytes($"writer-{writer}");
    for (var sequence = next[writer]; ; sequence++)
    {
        var value = Encoding.ASCII.GetBytes($"{writer}:{sequence}");
        var headers = new[] { new RecordHeader("ce_id", Encoding.ASCII.GetBytes($"{writer}-{sequence}")) };
        await partition.AppendAsync(new LogRecord(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), key, value, headers));
        lock (output)
        {
            output.WriteLine($"ack {writer} {sequence}");
        }
    }
})));
return 0;
