using Herald.Conformance.Stores;

namespace Herald.Sqlite.Tests;

public sealed class SqliteOutboxStoreConformanceTests(SqliteStoreFixture fixture) : OutboxStoreConformance<SqliteStoreFixture>(fixture);

public sealed class SqliteInboxStoreConformanceTests(SqliteStoreFixture fixture) : InboxStoreConformance<SqliteStoreFixture>(fixture);

public sealed class SqliteOutboxQuarantineConformanceTests(SqliteStoreFixture fixture) : OutboxQuarantineConformance<SqliteStoreFixture>(fixture);
