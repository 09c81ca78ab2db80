using System.CommandLine;
using Herald.DeadLetters;

namespace Herald.Cli.DeadLetterCommands;

/// <summary>The options that select dead letters by their fields: group, topic, type, exception and time.</summary>
internal sealed class FilterOptions
{
    public FilterOptions(CliContext context, bool includeRedriven)
    {
        Group = new Option<string>("--group", "-g") { Description = "Only this consumer group", HelpName = "GROUP" };
        Topic = new Option<string>("--topic", "-t") { Description = "Only events delivered from this topic", HelpName = "TOPIC" };
        EventType = new Option<string>("--type") { Description = "Only this event type (order.created)", HelpName = "EVENTTYPE" };
        Exception = new Option<string>("--exception") { Description = "Only this exception type, full or simple name (TimeoutException)", HelpName = "TYPE" };
        Since = TimeOption(context, "--since", "Only dead-lettered at or after TIME");
        Until = TimeOption(context, "--until", "Only dead-lettered before TIME");
        IncludeRedriven = includeRedriven
            ? new Option<bool>("--include-redriven") { Description = "Include dead letters already redriven (pending ones only by default)" }
            : null;
    }

    public Option<string> Group { get; }

    public Option<string> Topic { get; }

    public Option<string> EventType { get; }

    public Option<string> Exception { get; }

    public Option<DateTimeOffset?> Since { get; }

    public Option<DateTimeOffset?> Until { get; }

    public Option<bool>? IncludeRedriven { get; }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(Group);
        command.Add(Topic);
        command.Add(EventType);
        command.Add(Exception);
        command.Add(Since);
        command.Add(Until);
        if (IncludeRedriven is not null)
        {
            command.Add(IncludeRedriven);
        }
    }

    /// <summary>Says whether any field filter was given (<c>--include-redriven</c> widens a selection; it selects nothing).</summary>
    public bool AnyGiven(ParseResult parse) =>
        new Option[] { Group, Topic, EventType, Exception, Since, Until }.Any(o => parse.GetResult(o) is { Implicit: false });

    /// <summary>Returns the filter the options describe, restricted to <paramref name="eventIds"/> when given.</summary>
    /// <exception cref="CliException">The time range is empty.</exception>
    public DeadLetterFilter ToFilter(ParseResult parse, IReadOnlyCollection<string>? eventIds = null)
    {
        var since = parse.GetValue(Since);
        var until = parse.GetValue(Until);
        if (since >= until)
        {
            throw CliException.Usage($"--since ({since:O}) must be before --until ({until:O}).");
        }

        return new DeadLetterFilter
        {
            EventIds = eventIds,
            Group = parse.GetValue(Group),
            Topic = parse.GetValue(Topic),
            EventType = parse.GetValue(EventType),
            ExceptionType = parse.GetValue(Exception),
            From = since,
            Until = until,
            IncludeRedriven = IncludeRedriven is not null && parse.GetValue(IncludeRedriven),
        };
    }

    private static Option<DateTimeOffset?> TimeOption(CliContext context, string name, string description) => new(name)
    {
        Description = $"{description}: {TimeArgument.Forms}",
        HelpName = "TIME",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            if (TimeArgument.TryParse(text, context.Time.GetUtcNow(), out var time))
            {
                return time;
            }

            result.AddError($"{name} '{text}' is not a time: use {TimeArgument.Forms}.");
            return null;
        },
    };
}
