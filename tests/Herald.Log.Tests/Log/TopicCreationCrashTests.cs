using System.Diagnostics;
using System.Globalization;

namespace Herald.Log.Tests.Log;

/// <summary>Kills (SIGKILL) a process creating a four-partition topic at each durable step: the next open has the whole topic or none of it.</summary>
public sealed class TopicCreationCrashTests : IDisposable
{
    private const string Topic = "created";
    private const int Partitions = 4;
    private readonly string _root = Directory.CreateTempSubdirectory("herald-create-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task KillAtEveryStepOfTopicCreation_NextOpenCompletesTheTopicOrFindsNone()
    {
        var (exit, output) = await RunChildAsync(Path.Combine(_root, "whole"), -1);
        Assert.True(exit == 0, $"the child exited with {exit}: {output}");
        var steps = int.Parse(output.Trim().Split(' ')[1], CultureInfo.InvariantCulture);
        Assert.Equal(3 + (2 * Partitions), steps); // topic file written, renamed, durable; per partition: directory, segment

        for (var step = 0; step < steps; step++)
        {
            var directory = Path.Combine(_root, $"killed-at-{step}");
            (exit, output) = await RunChildAsync(directory, step);
            Assert.True(exit != 0, $"step {step}: the child was not killed ({output})");

            // Another count by default: a topic that exists must keep the 4 it was created with, never fewer.
            var options = new EmbeddedLogOptions();
            options.DefaultTopic.Partitions = 6;
            using var log = EmbeddedLog.Open(directory, options);
            Assert.Empty(log.Damaged);
            if (log.TryGetTopic(Topic, out var topic))
            {
                Assert.True(step >= 1, $"step {step}: the topic exists before its file was renamed into place");
                Assert.Equal(Partitions, topic.Partitions.Count);
                Assert.All(Enumerable.Range(0, Partitions), p => Assert.True(Directory.Exists(Path.Combine(directory, $"{Topic}-{p}")), $"step {step}: partition {p}"));
                await topic.Partitions[Partitions - 1].AppendAsync(new Herald.Log.Storage.LogRecord(0, null, new byte[] { 1 }), TestContext.Current.CancellationToken);
            }
            else
            {
                Assert.True(step == 0, $"step {step}: the topic is gone although its file was renamed into place");
                Assert.Equal(6, log.GetOrCreateTopic(Topic).Partitions.Count);
            }

            Assert.Empty(Directory.GetFiles(Path.Combine(directory, "__topics"), "*.tmp"));
        }
    }

    private static async Task<(int Exit, string Output)> RunChildAsync(string directory, int killAt)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "exec", "--runtimeconfig", Path.Combine(AppContext.BaseDirectory, "Herald.Log.CrashChild.runtimeconfig.json"),
            Path.Combine(AppContext.BaseDirectory, "Herald.Log.CrashChild.dll"), "--create-topic", directory, killAt.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await errors);
    }
}
