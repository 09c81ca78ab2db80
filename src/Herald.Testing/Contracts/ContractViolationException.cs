using System.Text;

namespace Herald.Testing.Contracts;

/// <summary>Reports every consumer expectation a producer's events break; thrown by <see cref="ContractVerifier"/> in any test framework.</summary>
public sealed class ContractViolationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ContractViolationException()
        : base("A consumer contract is violated.") => Violations = [];

    /// <summary>Creates the exception with a message and no violations.</summary>
    public ContractViolationException(string message)
        : base(message) => Violations = [];

    /// <summary>Creates the exception with a message, no violations and the error that caused it.</summary>
    public ContractViolationException(string message, Exception innerException)
        : base(message, innerException) => Violations = [];

    /// <summary>Creates the exception for <paramref name="violations"/>; the message lists all of them.</summary>
    public ContractViolationException(IReadOnlyList<ContractViolation> violations)
        : base(Describe(violations)) => Violations = violations;

    /// <summary>Gets every violation, grouped by consumer.</summary>
    public IReadOnlyList<ContractViolation> Violations { get; }

    private static string Describe(IReadOnlyList<ContractViolation> violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        var consumers = violations.Select(v => v.Consumer).Distinct().Order(StringComparer.Ordinal).ToList();
        var text = new StringBuilder()
            .Append(violations.Count).Append(violations.Count == 1 ? " violation" : " violations")
            .Append(" of consumer ").Append(consumers.Count == 1 ? "contract " : "contracts ")
            .AppendJoin(", ", consumers.Select(c => $"'{c}'")).Append(':');
        foreach (var violation in violations)
        {
            text.Append('\n').Append("  - ").Append(violation.Message);
        }

        return text.ToString();
    }
}
