using System.Text.Json;

namespace Herald.Testing.Contracts;

/// <summary>Checks one expected field against every sample of one event version.</summary>
/// <remarks>
/// A path fans out over array elements, so one sample can hold the field many times. Rules: a kind
/// or container mismatch anywhere fails; a non-null field may never be null or missing; a nullable
/// field may be missing (omitted as null) in some samples but not in all; and at least one sample must
/// actually reach the field, because empty arrays or nulls on the way prove nothing about it.
/// </remarks>
internal sealed class FieldCheck
{
    private readonly FieldExpectation _field;
    private readonly FieldPath _path;
    private readonly SortedSet<string> _mismatches = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _nulls = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _missing = new(StringComparer.Ordinal);
    private int _samplesReaching;
    private int _samplesPresent;
    private int _samplesMissing;
    private int _samplesNull;

    private FieldCheck(FieldExpectation field)
    {
        _field = field;
        _path = FieldPath.Parse(field.Path);
    }

    /// <summary>Returns what is wrong, each as the end of a sentence about "the producer's event".</summary>
    public static List<string> Problems(FieldExpectation field, IReadOnlyList<ContractSample> samples)
    {
        var check = new FieldCheck(field);
        foreach (var sample in samples)
        {
            var seen = new SampleFlags();
            check.Visit(sample.Payload, 0, ref seen);
            check._samplesReaching += seen.Reached || seen.Present ? 1 : 0;
            check._samplesPresent += seen.Present ? 1 : 0;
            check._samplesMissing += seen.Missing ? 1 : 0;
            check._samplesNull += seen.Null ? 1 : 0;
        }

        return check.Describe(samples.Count);
    }

    private void Visit(JsonElement value, int step, ref SampleFlags seen)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            seen.Present |= step == _path.Steps.Count;
            seen.Null = true;
            _nulls.Add(_path.Prefix(step));
            return;
        }

        if (step == _path.Steps.Count)
        {
            seen.Present = true;
            var kind = ContractFieldKinds.Of(value.ValueKind);
            if (_field.Kind != ContractFieldKind.Any && kind != _field.Kind)
            {
                _mismatches.Add($"has '{_field.Path}' as {Describe(value.ValueKind)}");
            }

            return;
        }

        var name = _path.Steps[step];
        var container = name is null ? JsonValueKind.Array : JsonValueKind.Object;
        if (value.ValueKind != container)
        {
            var at = step == 0 ? "the payload" : $"'{_path.Prefix(step)}'";
            _mismatches.Add($"has {at} as {Describe(value.ValueKind)}, not {Describe(container)}");
            return;
        }

        if (name is null)
        {
            foreach (var element in value.EnumerateArray())
            {
                Visit(element, step + 1, ref seen);
            }
        }
        else if (value.TryGetProperty(name, out var child))
        {
            Visit(child, step + 1, ref seen);
        }
        else
        {
            // Reaching the object that should hold the field is evidence about the field too.
            seen.Reached |= step + 1 == _path.Steps.Count;
            seen.Missing = true;
            _missing.Add(_path.Prefix(step + 1));
        }
    }

    private List<string> Describe(int samples)
    {
        var problems = new List<string>(_mismatches);
        if (_samplesMissing > 0 && (_samplesPresent == 0 || _field.NonNull))
        {
            var shortest = _missing.MinBy(p => p.Length)!;
            var where = shortest == _field.Path ? "" : $" (no '{shortest}')";
            problems.Add(_samplesMissing == samples && _samplesPresent == 0
                ? $"has no such field{where}"
                : $"has no such field{where} in {_samplesMissing} of {samples} samples");
        }

        if (_field.NonNull && _samplesNull > 0)
        {
            problems.Add($"has null '{_nulls.MinBy(p => p.Length)}' in {_samplesNull} of {samples} samples");
        }

        if (problems.Count == 0 && _samplesReaching == 0)
        {
            problems.Add($"has no sample that reaches the field ({samples} samples checked: empty arrays or nulls on the way); publish one that does");
        }

        return problems;
    }

    private static string Describe(JsonValueKind kind) =>
        ContractFieldKinds.Of(kind) is { } known ? ContractFieldKinds.Format(known) : kind.ToString().ToLowerInvariant();

    /// <summary>What one sample showed: the field present, its parent reached without it, a property missing, a null on the way.</summary>
    private struct SampleFlags
    {
        public bool Present;
        public bool Reached;
        public bool Missing;
        public bool Null;
    }
}
