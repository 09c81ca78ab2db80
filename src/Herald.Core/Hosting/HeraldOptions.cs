using System.Reflection;
using System.Text.Json;
using Herald.DeadLetters;

namespace Herald.Hosting;

/// <summary>Configures Herald for one application.</summary>
public sealed class HeraldOptions
{
    /// <summary>Gets or sets the name of this service: the CloudEvents <c>source</c> of what it publishes
    /// and the consumer group of handlers registered without one. Default: the entry assembly's name, lowercased.</summary>
    /// <remarks>Must be a URI reference (RFC 3986): no spaces or control characters; start-up fails otherwise.</remarks>
    public string ServiceName { get; set; } =
        Assembly.GetEntryAssembly()?.GetName().Name?.ToLowerInvariant() ?? "herald";

    /// <summary>Gets or sets the deepest causation chain a publish may create. Default 32, from 1 to 10,000.</summary>
    /// <remarks>An event no handler caused has depth 0; each publish from a handler adds 1.</remarks>
    public int MaxCausationDepth { get; set; } = 32;

    /// <summary>Gets the size limits of events: of their data, their attributes and the number of extensions.</summary>
    /// <remarks>Checked on every publish and every delivery; see <see cref="EventLimits"/> for the defaults and ranges.</remarks>
    public EventLimits Limits { get; } = new();

    /// <summary>Gets the JSON options payloads are serialized with. Default: web defaults (camelCase).</summary>
    /// <remarks>Add a source-generated <c>JsonSerializerContext</c> to <c>TypeInfoResolverChain</c> to avoid reflection.</remarks>
    public JsonSerializerOptions JsonSerializerOptions { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>Gets the bounds of the dead-letter queues: letters per group (default 10,000) and how long redriven ones stay (default 7 days).</summary>
    public DeadLetterOptions DeadLetters { get; } = new();
}
