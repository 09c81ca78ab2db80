namespace Herald.Hosting;

internal sealed record EventRegistrationEntry(Type Type, string? Name, int? Version, string? Topic, Func<object, string?>? KeySelector);
