namespace Herald.Testing.Contracts;

/// <summary>Validates consumer and event names and maps consumers to contract file names.</summary>
internal static class ContractNames
{
    public const string FileSuffix = ".contract.json";

    public static string FileName(string consumer) => consumer + FileSuffix;

    /// <exception cref="ArgumentException">The name cannot name a contract file.</exception>
    public static void ValidateConsumer(string consumer)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        if (!IsValidConsumer(consumer))
        {
            throw new ArgumentException(
                $"Consumer name '{consumer}' must start with a lowercase letter or digit and hold only lowercase letters, digits, '.', '-' or '_'; it names the contract file.",
                nameof(consumer));
        }
    }

    public static bool IsValidConsumer(string consumer) =>
        consumer.Length > 0 && (char.IsAsciiLetterLower(consumer[0]) || char.IsAsciiDigit(consumer[0])) &&
        consumer.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-' or '_');

    /// <exception cref="ArgumentException">The event name is empty or has white space.</exception>
    public static void ValidateEventType(string eventType)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventType);
        if (eventType.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"Event name '{eventType}' has white space.", nameof(eventType));
        }
    }
}
