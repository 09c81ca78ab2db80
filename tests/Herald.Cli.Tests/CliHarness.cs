using System.Text;
using System.Text.Json;
using Herald.DeadLetters;
using Herald.Events;
using Herald.Transports.InMemory;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Cli.Tests;

/// <summary>Runs herald command lines in-process against a fake store, an in-memory transport and a temporary data directory.</summary>
internal sealed class CliHarness : IDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    public CliHarness()
    {
        // A real data directory is opened through the real transport on the harness's clock.
        OpenEmbedded = (directory, access) => Cli.DataDirectory.OpenEmbedded(directory, access, Time);
        DataDirectory = Path.Combine(Path.GetTempPath(), "herald-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        File.WriteAllText(Path.Combine(DataDirectory, ".lock"), string.Empty);
        Environment["HERALD_DATA"] = DataDirectory;
    }

    public FakeTimeProvider Time { get; } = new(Now);

    public InMemoryDeadLetterStore Store { get; } = new();

    public InMemoryTransport Transport { get; } = new();

    /// <summary>Gets the function that opens the data directory as the installed tool does, on <see cref="Time"/>.</summary>
    public Func<string, DataDirectoryAccess, DeadLetterSession> OpenEmbedded { get; }

    public string DataDirectory { get; }

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public bool IsInputRedirected { get; set; } = true;

    public Queue<bool> Answers { get; } = new();

    public List<string> Questions { get; } = [];

    public Func<string, DataDirectoryAccess, DeadLetterSession>? Open { get; set; }

    public List<string> OpenedDirectories { get; } = [];

    public List<DataDirectoryAccess> Accesses { get; } = [];

    /// <summary>Gets or sets what happens while a confirmation waits for its answer, such as time passing.</summary>
    public Action? WhileAsking { get; set; }

    public string Output { get; private set; } = string.Empty;

    public string Error { get; private set; } = string.Empty;

    public async Task<int> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            IsInputRedirected = IsInputRedirected,
            IsOutputRedirected = true,
            Time = Time,
            GetEnvironmentVariable = name => Environment.GetValueOrDefault(name),
            OpenDeadLetters = (directory, access) =>
            {
                OpenedDirectories.Add(directory);
                Accesses.Add(access);
                return Open?.Invoke(directory, access)
                    ?? new DeadLetterSession(Transport, Store, TimeProvider.System) { IsReadOnly = access == DataDirectoryAccess.ReadOnly };
            },
            Confirm = (question, _) =>
            {
                Questions.Add(question);
                WhileAsking?.Invoke();
                return Task.FromResult(Answers.Dequeue());
            },
        };
        var code = await HeraldCli.RunAsync(args, context, TestContext.Current.CancellationToken);
        Output = output.ToString();
        Error = error.ToString();
        return code;
    }

    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Output);
        return document.RootElement.Clone();
    }

    public DeadLetter Add(
        string eventId,
        string group = "billing",
        string topic = "orders",
        string type = "order.created",
        string exception = "System.TimeoutException",
        TimeSpan? age = null,
        DeadLetterStatus status = DeadLetterStatus.Pending,
        string data = """{"orderId":42}""",
        string contentType = "application/json")
    {
        var letter = Letter(eventId, group, topic, type, exception, age, status, data, contentType);
        Store.Add(letter);
        return letter;
    }

    public static DeadLetter Letter(
        string eventId,
        string group = "billing",
        string topic = "orders",
        string type = "order.created",
        string exception = "System.TimeoutException",
        TimeSpan? age = null,
        DeadLetterStatus status = DeadLetterStatus.Pending,
        string data = """{"orderId":42}""",
        string contentType = "application/json")
    {
        var at = Now - (age ?? TimeSpan.FromMinutes(30));
        return new DeadLetter
        {
            Group = group,
            Topic = topic,
            Status = status,
            RedrivenAt = status == DeadLetterStatus.Redriven ? at.AddMinutes(1) : null,
            Envelope = new EventEnvelope
            {
                EventId = eventId,
                EventType = type,
                Timestamp = at.AddMinutes(-5),
                Source = "/shop/orders",
                CorrelationId = "corr-" + eventId,
                PartitionKey = "order-42",
                DataContentType = contentType,
                Data = Encoding.UTF8.GetBytes(data),
            },
            Failure = new DeadLetterFailure(
                DeadLetterReason.HandlerFailed,
                exception,
                "The payment service did not answer in 30 s.",
                $"{exception}: The payment service did not answer in 30 s.\n   at Shop.Billing.ChargeHandler.HandleAsync()",
                "Shop.Billing.ChargeHandler",
                5,
                at.AddMinutes(-4),
                at.AddSeconds(-1),
                at),
        };
    }

    public long Sent(string topic, string group) => Transport.GetBacklog(DeadLetterQueues.RedriveTopic(topic, group), group);

    public void Dispose()
    {
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
