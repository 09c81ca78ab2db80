using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Shop.Payment;

/// <summary>Stands in for the card issuer: declines every card whose token ends in 7 (about one order in ten), and does
/// not answer in time on the first attempt for the cards whose two digits before the last are a multiple of 20 (about
/// one order in twenty).</summary>
/// <remarks>Both depend on the card token alone, which the order generator draws from a fixed seed: every run declines
/// and times out on the same orders.</remarks>
internal static class CardIssuer
{
    /// <summary>Authorizes a payment with the card <paramref name="cardToken"/>; <paramref name="attempt"/> is 1 on the first call for the order.</summary>
    /// <exception cref="TimeoutException">The issuer did not answer: a transient failure that a later attempt gets past.</exception>
    public static bool TryAuthorize(string cardToken, int attempt, [NotNullWhen(false)] out string? declineReason)
    {
        ArgumentNullException.ThrowIfNull(cardToken);
        if (attempt == 1 && TimesOutOnFirstAttempt(cardToken))
        {
            throw new TimeoutException($"the card issuer did not answer in time for card ...{cardToken[^4..]}");
        }

        declineReason = cardToken.EndsWith('7') ? "card declined by the issuer" : null;
        return declineReason is null;
    }

    /// <summary>Returns whether the issuer times out on the first attempt with <paramref name="cardToken"/>.</summary>
    public static bool TimesOutOnFirstAttempt(string cardToken)
    {
        ArgumentNullException.ThrowIfNull(cardToken);

        // The last digit decides declines; these two digits are independent of it, so timeouts hit both outcomes.
        return cardToken.Length >= 3
            && int.TryParse(cardToken.AsSpan(cardToken.Length - 3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var digits)
            && digits % 20 == 0;
    }
}
