using Herald.Hosting;
using Herald.Kafka;
using Herald.Kafka.MemberChild;
using Herald.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

// Usage: Herald.Kafka.MemberChild BOOTSTRAP TOPIC GROUP MEMBER CONNECTION_STRING
// A Herald application on Herald.Kafka (session timeout 6 s), one member of consumer group GROUP on TOPIC (which the
// test creates with its partition count), handling StepTaken with ChargeOnce: a row in `attempts` for every delivery, a
// row in `charges` once per event through the PostgreSQL inbox, in the database at CONNECTION_STRING. Prints "# started"
// once the host runs and "# CHANGE TOPIC: P,P" for every rebalance (RebalanceLines); warnings and errors go to standard
// error. Runs until standard input closes, then stops the host (the consumer commits what was completed and leaves the
// group) and exits 0.
if (args is not [var bootstrap, var topic, var group, var member, var connectionString])
{
    Console.Error.WriteLine("Usage: Herald.Kafka.MemberChild BOOTSTRAP TOPIC GROUP MEMBER CONNECTION_STRING");
    return 2;
}

await using var database = NpgsqlDataSource.Create(connectionString);
var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders().AddProvider(new RebalanceLines()).SetMinimumLevel(LogLevel.Debug);
builder.Services.AddSingleton(database).AddSingleton(new MemberName(member));
builder.Services.AddHerald(h => h
    .UseKafka(o =>
    {
        o.BootstrapServers = bootstrap;
        o.SessionTimeout = TimeSpan.FromSeconds(6);
        // A dead-letter topic of the test's own (none is expected): herald serve gives a name other than Herald's
        // default its default options, so no compaction is asked for.
        o.DeadLetterTopic = topic + "-dead-letters";
        o.DeadLetterTopicConfigs.Clear();
    })
    .AddEvent<StepTaken>(e =>
    {
        e.Topic = topic;
        e.PartitionKey(s => s.Key);
    })
    .AddHandler<ChargeOnce>(group)
    .ConfigureGroup(group, g => (g.MaxConcurrentKeys, g.BatchSize) = (4, 64))
    .UsePostgreSqlInbox(new PostgreSqlStoreOptions { DataSource = database }));
using var host = builder.Build();
await host.StartAsync();
Console.Out.WriteLine("# started");
await Task.Run(() =>
{
    while (Console.In.ReadLine() is not null)
    {
    }
});
await host.StopAsync();
return 0;
