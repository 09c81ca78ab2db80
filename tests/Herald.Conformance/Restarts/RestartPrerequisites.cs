using System.Diagnostics.CodeAnalysis;

namespace Herald.Conformance.Restarts;

/// <summary>What a broker-restart test needs besides the broker (the local service script, root, rabbitmqctl), and what
/// happens when it is missing: a skip locally, a failure when <c>CI=true</c>, as for the broker fixtures.</summary>
public static class RestartPrerequisites
{
    /// <summary>Skips the test with <paramref name="reason"/> when <paramref name="met"/> is false, or fails it when the
    /// <c>CI</c> environment variable is <c>true</c>.</summary>
    public static void Require([DoesNotReturnIf(false)] bool met, string reason) => Require(met, reason, Environment.GetEnvironmentVariable("CI"));

    /// <summary>Skips or fails as <see cref="Require(bool, string)"/> does, with <paramref name="ci"/> as the value of <c>CI</c>.</summary>
    /// <remarks>A CI run that cannot restart its broker must say so: a skipped restart test would let the run pass
    /// without having checked what it exists to check.</remarks>
    public static void Require([DoesNotReturnIf(false)] bool met, string reason, string? ci)
    {
        if (met)
        {
            return;
        }

        if (FailsInsteadOfSkipping(ci))
        {
            Assert.Fail(reason + " CI=true: restart tests never skip there.");
        }

        Assert.Skip(reason);
    }

    /// <summary>Returns whether a missing prerequisite fails the test rather than skipping it: when <c>CI</c> is <c>true</c>
    /// (any case), as the broker fixtures decide.</summary>
    public static bool FailsInsteadOfSkipping(string? ci) => string.Equals(ci, "true", StringComparison.OrdinalIgnoreCase);
}
