using Confluent.Kafka;
using Herald.Log;

namespace Herald.Server.Tests.Broker;

/// <summary>The <c>herald serve</c> command as a process: refusals with their exit codes, and a graceful stop.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"herald-serve-cmd-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task NonLoopbackAddress_RefusedWithExitCode2_SayingWhy()
    {
        var (code, output, error) = await ServeProcess.RunAsync("serve", "--data", _directory, "--listen", "0.0.0.0:9092");

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("0.0.0.0:9092 is not a loopback address", error, StringComparison.Ordinal);
        Assert.Contains("SASL credentials over TLS", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_directory), "a refused start created the data directory");
    }

    [Theory]
    [InlineData("9092")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:notaport")]
    [InlineData("somehost:9092")]
    public async Task ListenNotAnAddressAndPort_RefusedWithExitCode2(string listen)
    {
        var (code, _, error) = await ServeProcess.RunAsync("serve", "--data", _directory, "--listen", listen);

        Assert.Equal(2, code);
        Assert.Contains($"--listen: '{listen}'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alice\n", "line 1 of")]
    [InlineData("# users\nalice:one\nalice:two\n", "line 3 of")]
    [InlineData("# nobody\n", "names no user")]
    public async Task UsersFileMalformed_RefusedWithExitCode2_NamingTheLine(string content, string expected)
    {
        Directory.CreateDirectory(_directory);
        var users = Path.Combine(_directory, "users");
        await File.WriteAllTextAsync(users, content, TestContext.Current.CancellationToken);

        var (code, _, error) = await ServeProcess.RunAsync("serve", "--data", Path.Combine(_directory, "data"), "--listen", "127.0.0.1:1", "--users", users);

        Assert.Equal(2, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_directory, "data")));
    }

    [Fact]
    public async Task TlsCertificateWithoutItsKey_RefusedWithExitCode2()
    {
        var (code, _, error) = await ServeProcess.RunAsync("serve", "--data", _directory, "--tls-cert", "/nonexistent/cert.pem");

        Assert.Equal(2, code);
        Assert.Contains("--tls-cert and --tls-key go together", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--group-initial-rebalance-delay", "-1", "is negative")]
    [InlineData("--group-min-session-timeout", "0", "is not positive")]
    public async Task GroupOptionOutOfRange_RefusedWithExitCode2(string option, string value, string expected)
    {
        var (code, _, error) = await ServeProcess.RunAsync("serve", "--data", _directory, option, value);

        Assert.Equal(2, code);
        Assert.Contains($"{option}: {value} {expected}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GroupOptions_AShortSessionIsAccepted_AndTheFirstAssignmentDoesNotWaitTheDefaultDelay()
    {
        using var server = await ServeProcess.StartAsync(_directory, ServeProcess.FreePort(), "--group-initial-rebalance-delay", "0", "--group-min-session-timeout", "1000");
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = server.Bootstrap }).Build())
        {
            await producer.ProduceAsync("quick-topic", new Message<Null, string> { Value = "one" }, TestContext.Current.CancellationToken);
        }

        var config = new ConsumerConfig
        {
            BootstrapServers = server.Bootstrap,
            GroupId = "quick",
            SessionTimeoutMs = 1500,
            HeartbeatIntervalMs = 300,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        var assigned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new List<string>();
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(config)
            .SetPartitionsAssignedHandler((_, partitions) => assigned.TrySetResult())
            .SetErrorHandler((_, e) => errors.Add(e.Reason))
            .Build();
        var started = System.Diagnostics.Stopwatch.StartNew();
        consumer.Subscribe("quick-topic");
        while (!assigned.Task.IsCompleted && started.Elapsed < TimeSpan.FromSeconds(20))
        {
            consumer.Consume(TimeSpan.FromMilliseconds(100));
        }

        Assert.True(assigned.Task.IsCompleted, $"no assignment within 20 s: {string.Join("; ", errors)}");
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2.5), $"the first assignment took {started.Elapsed.TotalSeconds:0.0} s");
        consumer.Close();
    }

    [Fact]
    public async Task DirectoryHeldByAnotherWriter_ExitCode3()
    {
        using var holder = EmbeddedLog.Open(_directory);

        var (code, _, error) = await ServeProcess.RunAsync("serve", "--data", _directory, "--listen", $"127.0.0.1:{ServeProcess.FreePort()}");

        Assert.Equal(3, code);
        Assert.Contains($"The Herald log directory '{_directory}' is in use by", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigTerm_StopsGracefully_Exit0_AndTheDirectoryOpensAgainWithWhatWasProduced()
    {
        using var server = await ServeProcess.StartAsync(_directory, ServeProcess.FreePort());
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = server.Bootstrap, Acks = Acks.All }).Build())
        {
            var result = await producer.ProduceAsync("stopped", new Message<Null, string> { Value = "kept" }, TestContext.Current.CancellationToken);
            Assert.Equal(PersistenceStatus.Persisted, result.Status);
        }

        Assert.Equal(0, await server.TerminateAsync());

        using var log = EmbeddedLog.Open(_directory);
        Assert.Equal(1, log.GetOrCreateTopic("stopped").CountRecords());
    }
}
