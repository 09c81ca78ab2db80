namespace Herald.Kafka.MemberChild;

/// <summary>The name this process records its deliveries and charges under.</summary>
internal sealed record MemberName(string Value);
