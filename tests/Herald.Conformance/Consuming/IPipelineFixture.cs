namespace Herald.Conformance.Consuming;

/// <summary>Creates the broker places that <see cref="PipelineConformance{TFixture}"/> runs Herald's consumer pipeline on.</summary>
/// <remarks>xunit creates one fixture per test class; each test gets a place of its own (unique names), empty.</remarks>
public interface IPipelineFixture : IAsyncDisposable
{
    /// <summary>Creates an empty place on the broker for one test.</summary>
    ValueTask<IPipelineBroker> CreateBrokerAsync(CancellationToken cancellationToken);
}
