using Herald.Diagnostics;
using Herald.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Diagnostics;

[Collection(DiagnosticsTestGroup.Name)]
public sealed class QuietPathTests
{
    [Fact]
    public async Task SendObservation_NobodyListens_AllocatesNothing()
    {
        await using var harness = HeraldTestHarness.Create(h => h.AddHandler<IgnoreHandler<Metered>>("quiet"));
        var metrics = harness.Services.GetRequiredService<HeraldMetrics>();
        Observe(metrics);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Observe(metrics);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    private static void Observe(HeraldMetrics metrics)
    {
        using var send = SendObservation.Start(metrics, metrics.MessagingSystem, "diag.quiet");
        send.Complete(null);
    }
}
