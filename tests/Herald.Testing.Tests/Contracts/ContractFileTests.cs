using Herald.Testing.Contracts;

namespace Herald.Testing.Tests.Contracts;

public sealed class ContractFileTests
{
    private const string Valid = """
        {
          "consumer": "shipping",
          "format": 1,
          "events": [ { "type": "order.created", "version": 2, "fields": [ { "path": "orderId", "kind": "string", "nonNull": true } ] } ]
        }
        """;

    [Theory]
    [InlineData("{ \"consumer\": \"shipping\", ", "LineNumber: 0")]
    [InlineData("[]", "the document is array; expected object")]
    [InlineData("{\"consumer\":\"shipping\",\"format\":2,\"events\":[]}", "\"format\" is 2; this version of Herald.Testing reads format 1")]
    [InlineData("{\"consumer\":\"shipping\",\"format\":1}", "the document has no \"events\"")]
    [InlineData("{\"consumer\":\"Shipping!\",\"format\":1,\"events\":[]}", "\"consumer\" 'Shipping!' is not a valid consumer name")]
    [InlineData("{\"consumer\":\"shipping\",\"format\":1,\"events\":[{\"type\":\"order.created\",\"version\":0,\"fields\":[]}]}", "events[0].version is 0")]
    [InlineData("{\"consumer\":\"shipping\",\"format\":1,\"events\":[{\"type\":\"order.created\",\"version\":2,\"fields\":[{\"path\":\"a\",\"kind\":\"text\",\"nonNull\":true}]}]}", "events[0].fields[0].kind is 'text'")]
    [InlineData("{\"consumer\":\"shipping\",\"format\":1,\"events\":[{\"type\":\"order.created\",\"version\":2,\"fields\":[{\"path\":\"a\",\"kind\":\"string\",\"nonnull\":true}]}]}", "events[0].fields[0] has unknown property \"nonnull\"")]
    [InlineData("{\"consumer\":\"shipping\",\"format\":1,\"events\":[{\"type\":\"order.created\",\"version\":2,\"fields\":[{\"path\":\"a..b\",\"kind\":\"string\",\"nonNull\":true}]}]}", "Field path 'a..b' has an empty property name")]
    [InlineData("{\"consumer\":\"shipping\",\"format\":1,\"events\":[{\"type\":\"x\",\"version\":1,\"fields\":[]},{\"type\":\"x\",\"version\":1,\"fields\":[]}]}", "events[1] repeats x v1")]
    public void VerifyAll_MalformedFile_NamesTheFileAndTheProblem(string json, string expected)
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.File("billing.contract.json"), Valid.Replace("shipping", "billing", StringComparison.Ordinal));
        File.WriteAllText(directory.File("shipping.contract.json"), json);

        var failure = Assert.Throws<ContractFormatException>(() => ContractVerifier.VerifyAll(directory.Path, [ShippingContract.SampleOrder()]));

        Assert.StartsWith($"Contract file '{directory.File("shipping.contract.json")}' is not a valid contract: ", failure.Message, StringComparison.Ordinal);
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadAll_ConsumerDoesNotMatchFileName_Throws()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.File("billing.contract.json"), Valid);

        var failure = Assert.Throws<ContractFormatException>(() => ContractVerifier.LoadAll(directory.Path));

        Assert.Contains("belongs to consumer 'shipping' but is named for 'billing'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadAll_OtherFiles_AreIgnored()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.File("shipping.contract.json"), Valid);
        File.WriteAllText(directory.File("README.md"), "not a contract");

        var contract = Assert.Single(ContractVerifier.LoadAll(directory.Path));

        Assert.Equal("orderId", contract.Expectations[0].Fields[0].Path);
    }

    [Fact]
    public void LoadAll_MissingDirectory_Throws() =>
        Assert.Throws<DirectoryNotFoundException>(() => ContractVerifier.LoadAll(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));

    [Fact]
    public void Parse_ValidText_ReadsItBackToTheCanonicalForm()
    {
        var contract = ConsumerContract.Parse(Valid);

        Assert.Equal(ConsumerContract.For("shipping").ExpectsField("order.created", 2, "orderId", ContractFieldKind.String).ToJson(), contract.ToJson());
    }
}
