using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.EntityFrameworkCore.Internal;

/// <summary>Marks a DbContext as writing Herald events: adds the per-context event queue and checks the provider is relational.</summary>
/// <remarks>
/// The interceptor holding the application's services travels with the options, not in EF Core's
/// internal service provider, so contexts of different applications (or test hosts) can share that
/// provider: the extension contributes nothing to its cache key.
/// </remarks>
internal sealed class OutboxOptionsExtension(OutboxInterceptor interceptor) : IDbContextOptionsExtension
{
    private ExtensionInfo? _info;

    public OutboxInterceptor Interceptor { get; } = interceptor;

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services)
    {
        services.AddScoped<PendingEventQueue>();
        services.AddScoped<IResettableService>(sp => sp.GetRequiredService<PendingEventQueue>());
    }

    public void Validate(IDbContextOptions options)
    {
        if (!options.Extensions.OfType<RelationalOptionsExtension>().Any())
        {
            throw new InvalidOperationException(
                "UseHeraldOutbox needs a relational database provider (such as UseSqlite or UseNpgsql): the events are written in the " +
                "same database transaction as the entities, which a non-relational provider (InMemory, Cosmos) does not have.");
        }
    }

    private sealed class ExtensionInfo(IDbContextOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => "UsingHeraldOutbox ";

        public override int GetServiceProviderHashCode() => 0;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) => debugInfo["Herald:Outbox"] = "1";
    }
}
