namespace Herald.PostgreSql.Tests;

public sealed class PostgreSqlStoreOptionsTests
{
    [Theory]
    [InlineData("herald\n", "herald_")]
    [InlineData("public; DROP TABLE x", "herald_")]
    [InlineData("public", "herald_\n")]
    [InlineData("public", "1abc")]
    public void Validate_IdentifierThatIsNotOne_ThrowsNamingTheOption(string schema, string tablePrefix)
    {
        var options = new PostgreSqlStoreOptions { ConnectionString = "Host=127.0.0.1", Schema = schema, TablePrefix = tablePrefix };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains(schema == "public" ? "TablePrefix" : "Schema", error.Message, StringComparison.Ordinal);
    }
}
