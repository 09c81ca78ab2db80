using Herald.Hosting;
using Herald.Outbox;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Sqlite.Tests;

public sealed class OutboxOptionsTests
{
    public static TheoryData<string, Action<OutboxOptions>> InvalidOptions => new()
    {
        { nameof(OutboxOptions.BatchSize), o => o.BatchSize = 0 },
        { nameof(OutboxOptions.BatchSize), o => o.BatchSize = 10_001 },
        { nameof(OutboxOptions.PollInterval), o => o.PollInterval = TimeSpan.Zero },
        { nameof(OutboxOptions.Lease), o => o.Lease = TimeSpan.FromSeconds(-1) },
        { nameof(OutboxOptions.DispatchedRetention), o => o.DispatchedRetention = TimeSpan.FromSeconds(-1) },
        { nameof(OutboxOptions.CleanupInterval), o => o.CleanupInterval = TimeSpan.Zero },
        { nameof(OutboxOptions.RelayId), o => o.RelayId = " " },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_OutOfRange_ThrowsNamingOption(string option, Action<OutboxOptions> configure)
    {
        var options = new OutboxOptions();
        configure(options);

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("OutboxOptions." + option, error.Message, StringComparison.Ordinal);
        Assert.Equal(option, error.ParamName);
    }

    [Fact]
    public void Validate_Defaults_Pass()
    {
        var options = new OutboxOptions();

        options.Validate();

        Assert.Equal(100, options.BatchSize);
        Assert.Equal(TimeSpan.FromSeconds(1), options.PollInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Lease);
        Assert.Equal(TimeSpan.FromHours(1), options.DispatchedRetention);
        Assert.Equal(TimeSpan.FromMinutes(1), options.CleanupInterval);
        Assert.Contains(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), options.RelayId, StringComparison.Ordinal);
        Assert.NotEqual(options.RelayId, new OutboxOptions().RelayId);
    }

    [Fact]
    public void UseSqliteOutbox_InvalidOption_ThrowsWhenConfigured()
    {
        var services = new ServiceCollection();
        var store = SqliteTestDatabase.Options("x.db");

        var error = Assert.Throws<ArgumentException>(() => services.AddHerald(h => h.UseSqliteOutbox(store, o => o.Lease = TimeSpan.Zero)));

        Assert.Contains("OutboxOptions.Lease", error.Message, StringComparison.Ordinal);
    }
}
