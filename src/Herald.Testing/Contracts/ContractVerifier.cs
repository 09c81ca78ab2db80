using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Herald.Testing.Contracts;

/// <summary>Checks the events a producer publishes against consumer contracts, with no broker.</summary>
/// <remarks>
/// For every contract and every event type it names: the producer must show at least one sample of
/// the type (unless <see cref="ContractVerifierOptions.ProducedEvents"/> leaves the type out), every
/// sample's version must be one the consumer accepts, and every field the consumer reads must exist
/// in the samples of that version with the expected kind, non-null where the consumer needs it.
/// Samples are <see cref="Herald.Events.EventEnvelope"/>s, the harness's <see cref="PublishedEvent"/>s,
/// or event objects marked <c>[Event]</c>. All violations are collected before anything throws.
/// </remarks>
public static class ContractVerifier
{
    /// <summary>Verifies the samples against every <c>*.contract.json</c> file in <paramref name="directory"/>.</summary>
    /// <exception cref="ContractViolationException">At least one expectation is broken; the message lists all of them.</exception>
    /// <exception cref="ContractFormatException">A contract file is malformed; the message names it.</exception>
    /// <exception cref="InvalidOperationException">The directory holds no contract file, so nothing would be checked.</exception>
    public static void VerifyAll(string directory, IEnumerable<object> samples, ContractVerifierOptions? options = null)
    {
        var contracts = LoadAll(directory);
        if (contracts.Count == 0)
        {
            // A wrong path must not turn into a test that passes because it checked nothing.
            throw new InvalidOperationException(
                $"No *{ContractNames.FileSuffix} file in '{Path.GetFullPath(directory)}'; a contract verification that checks nothing would always pass.");
        }

        Verify(contracts, samples, options);
    }

    /// <summary>Verifies the samples against <paramref name="contracts"/>.</summary>
    /// <exception cref="ContractViolationException">At least one expectation is broken; the message lists all of them.</exception>
    public static void Verify(IEnumerable<ConsumerContract> contracts, IEnumerable<object> samples, ContractVerifierOptions? options = null)
    {
        var violations = FindViolations(contracts, samples, options);
        if (violations.Count > 0)
        {
            throw new ContractViolationException(violations);
        }
    }

    /// <summary>Lists every broken expectation without throwing, ordered by consumer, event type and version.</summary>
    public static IReadOnlyList<ContractViolation> FindViolations(
        IEnumerable<ConsumerContract> contracts, IEnumerable<object> samples, ContractVerifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(contracts);
        ArgumentNullException.ThrowIfNull(samples);
        var json = options?.JsonSerializerOptions ??
            new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        var byType = samples.Select(s => ContractSample.From(s, json)).ToLookup(s => s.EventType, StringComparer.Ordinal);
        var produced = options?.ProducedEvents?.ToHashSet(StringComparer.Ordinal);
        var violations = new List<ContractViolation>();
        foreach (var contract in contracts.OrderBy(c => c.Consumer, StringComparer.Ordinal))
        {
            foreach (var expectations in contract.Expectations.GroupBy(e => e.EventType))
            {
                if (produced is null || produced.Contains(expectations.Key))
                {
                    Check(contract.Consumer, [.. expectations], [.. byType[expectations.Key]], violations);
                }
            }
        }

        return violations;
    }

    /// <summary>Reads every <c>*.contract.json</c> file in <paramref name="directory"/>, in file-name order.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="ContractFormatException">A file is malformed, or its consumer does not match its file name.</exception>
    public static IReadOnlyList<ConsumerContract> LoadAll(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Contract directory '{Path.GetFullPath(directory)}' does not exist.");
        }

        var contracts = new List<ConsumerContract>();
        foreach (var path in Directory.GetFiles(directory, "*" + ContractNames.FileSuffix).Order(StringComparer.Ordinal))
        {
            var contract = ConsumerContract.Load(path);
            var expected = Path.GetFileName(path)[..^ContractNames.FileSuffix.Length];
            if (contract.Consumer != expected)
            {
                throw new ContractFormatException(
                    $"Contract file '{path}' is not a valid contract: it belongs to consumer '{contract.Consumer}' but is named for '{expected}'.");
            }

            contracts.Add(contract);
        }

        return contracts;
    }

    private static void Check(string consumer, List<EventExpectation> expectations, List<ContractSample> samples, List<ContractViolation> violations)
    {
        var type = expectations[0].EventType;
        var accepted = string.Join(" or ", expectations.Select(e => $"v{e.Version}"));
        if (samples.Count == 0)
        {
            violations.Add(new(consumer, type, expectations[^1].Version, null,
                $"Contract '{consumer}' expects {type} {accepted}; the producer published no {type} sample " +
                "(publish one in the test, or leave the event out of ContractVerifierOptions.ProducedEvents if another service produces it)"));
            return;
        }

        foreach (var version in samples.Select(s => s.Version).Distinct().Order())
        {
            if (!expectations.Any(e => e.Version == version))
            {
                violations.Add(new(consumer, type, expectations[^1].Version, null,
                    $"Contract '{consumer}' expects {type} {accepted}; the producer publishes {type} v{version}"));
            }
        }

        foreach (var expected in expectations)
        {
            // A consumer that accepts several versions is satisfied by samples of any of them;
            // fields are checked against the samples of their own version only.
            var ofVersion = samples.Where(s => s.Version == expected.Version).ToList();
            if (ofVersion.Count == 0)
            {
                continue;
            }

            foreach (var field in expected.Fields)
            {
                foreach (var problem in FieldCheck.Problems(field, ofVersion))
                {
                    violations.Add(new(consumer, type, expected.Version, field.Path,
                        $"Contract '{consumer}' expects {expected} field {field}; the producer's {expected} {problem}"));
                }
            }
        }
    }
}
