using Herald.Conformance.Stores;

namespace Herald.PostgreSql.Tests;

public sealed class PostgreSqlOutboxStoreConformanceTests(PostgreSqlStoreFixture fixture) : OutboxStoreConformance<PostgreSqlStoreFixture>(fixture);

public sealed class PostgreSqlInboxStoreConformanceTests(PostgreSqlStoreFixture fixture) : InboxStoreConformance<PostgreSqlStoreFixture>(fixture);

public sealed class PostgreSqlOutboxQuarantineConformanceTests(PostgreSqlStoreFixture fixture) : OutboxQuarantineConformance<PostgreSqlStoreFixture>(fixture);
