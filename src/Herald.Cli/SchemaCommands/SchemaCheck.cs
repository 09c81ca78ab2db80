using System.Globalization;
using Herald.Schemas;

namespace Herald.Cli.SchemaCommands;

/// <summary>Checks the schemas of the current code against the committed ones, event by event.</summary>
/// <remarks>
/// Only the same version is compared: a version newer than every committed one is reported as new and not compared,
/// because bumping the version (with an upcaster) is how an event changes on purpose. Committed events that the code
/// no longer declares fail forward and full: consumers of the old schema may still expect them.
/// </remarks>
internal static class SchemaCheck
{
    public static List<EventCheck> Run(IReadOnlyList<EventSchema> current, CommittedSchemas committed, SchemaCompatibilityMode mode)
    {
        var results = new List<EventCheck>();
        var byName = current.GroupBy(s => s.EventName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var names = byName.Keys.Union(committed.EventNames, StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var versions = committed.Versions(name);
            if (!byName.TryGetValue(name, out var schemas))
            {
                results.Add(new EventCheck(name, versions[^1], EventCheckStatus.Removed, null, [], mode != SchemaCompatibilityMode.Backward,
                    $"committed ({Versions(versions)}) but no [Event] type in the assembly declares it; consumers may still expect it"));
                continue;
            }

            if (versions.Count > 0 && schemas[^1].Version < versions[^1])
            {
                results.Add(new EventCheck(name, schemas[^1].Version, EventCheckStatus.VersionWentBack, null, [], true,
                    Invariant($"the code's newest version is v{schemas[^1].Version} but v{versions[^1]} is committed; versions never go back")));
            }

            results.AddRange(schemas.Select(schema => Check(schema, committed, versions, mode)));
        }

        return results;
    }

    private static EventCheck Check(EventSchema schema, CommittedSchemas committed, IReadOnlyList<int> versions, SchemaCompatibilityMode mode)
    {
        var (name, version) = (schema.EventName, schema.Version);
        if (versions.Count == 0)
        {
            return new EventCheck(name, version, EventCheckStatus.NewEvent, null, [], false, "new event: no committed schema; run 'herald schema export' and commit it");
        }

        if (!versions.Contains(version))
        {
            return version > versions[^1]
                ? new EventCheck(name, version, EventCheckStatus.NewVersion, null, [], false,
                    Invariant($"new version, not compared (newest committed: v{versions[^1]}); run 'herald schema export' and commit it"))
                : new EventCheck(name, version, EventCheckStatus.NotCommitted, null, [], false,
                    Invariant($"no committed schema for this version (committed: {Versions(versions)}), not compared"));
        }

        var changes = SchemaCompatibility.Compare(committed.Load(name, version), schema.Schema);
        var breaking = changes.Count(c => c.IsBreaking(mode));
        return breaking > 0
            ? new EventCheck(name, version, EventCheckStatus.Breaking, version, changes, true, Invariant($"{Plural(breaking, "breaking change")}"))
            : new EventCheck(name, version, EventCheckStatus.Compatible, version, changes, false,
                changes.Count == 0 ? "unchanged" : Invariant($"compatible ({Plural(changes.Count, "non-breaking change")})"));
    }

    public static string Plural(int count, string noun) => Invariant($"{count} {noun}{(count == 1 ? string.Empty : "s")}");

    private static string Versions(IReadOnlyList<int> versions) => string.Join(", ", versions.Select(v => Invariant($"v{v}")));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
