using Herald.Cli.Brokers;
using Herald.Log;
using Spectre.Console;

namespace Herald.Cli;

/// <summary>What a command reads and writes besides its arguments: streams, terminal, environment, clock, data.</summary>
/// <remarks>Tests replace every member to run commands in-process against captured output and a fake store.</remarks>
internal sealed class CliContext
{
    /// <summary>The width tables get when stdout is not a terminal, wide enough that rows stay greppable lines.</summary>
    public const int RedirectedWidth = 240;

    /// <summary>Gets the writer for results (stdout).</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Gets the writer for errors, warnings and prompts (stderr).</summary>
    public required TextWriter Error { get; init; }

    /// <summary>Gets whether stdin is redirected: no one can answer a confirmation, so changes need <c>--yes</c>.</summary>
    public bool IsInputRedirected { get; init; }

    /// <summary>Gets whether stdout is redirected: tables are written wide and without colours.</summary>
    public bool IsOutputRedirected { get; init; }

    /// <summary>Gets the clock for relative times (<c>--since 1h</c>), the redrive rate, the log's timers and repair names.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Gets an environment variable, or <see langword="null"/>.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Gets the function that opens an existing data directory (a full path) for its dead letters, read-only or to change them.</summary>
    public required Func<string, DataDirectoryAccess, DeadLetterSession> OpenDeadLetters { get; init; }

    /// <summary>Gets the function that connects to a broker for its dead letters, or <see langword="null"/> for
    /// <see cref="BrokerConnection.OpenAsync"/> with <see cref="Time"/>.</summary>
    public Func<BrokerTarget, CancellationToken, Task<DeadLetterSession>>? OpenBroker { get; init; }

    /// <summary>Gets the width tables take when stdout is a terminal, or <see langword="null"/> for the console's own.</summary>
    public int? Width { get; init; }

    /// <summary>Gets the directory a relative <c>--data</c> resolves against, or <see langword="null"/> for the process's.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Gets the log a <c>herald serve</c> running this command holds, or <see langword="null"/> when the command runs on its own.</summary>
    public EmbeddedLog? ServedLog { get; init; }

    /// <summary>Gets the function that asks the operator a yes/no question, answering no by default.</summary>
    public required Func<string, CancellationToken, Task<bool>> Confirm { get; init; }

    /// <summary>Returns the context of a real process: the console, the environment and the embedded log.</summary>
    public static CliContext ForProcess()
    {
        var prompts = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return new CliContext
        {
            Out = Console.Out,
            Error = Console.Error,
            IsInputRedirected = Console.IsInputRedirected,
            IsOutputRedirected = Console.IsOutputRedirected,
            OpenDeadLetters = (directory, access) => DataDirectory.OpenEmbedded(directory, access, TimeProvider.System),

            // Prompts go to stderr so that they stay visible when stdout is piped, and never corrupt --json output. The
            // question names groups, which may hold '[': Spectre would read it as markup.
            Confirm = (question, cancellationToken) => new ConfirmationPrompt(Markup.Escape(question)) { DefaultValue = false }.ShowAsync(prompts, cancellationToken),
        };
    }

    /// <summary>Creates the Spectre console that renders tables on <see cref="Out"/>.</summary>
    public IAnsiConsole CreateOutputConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = InteractionSupport.No,
        });
        if (IsOutputRedirected)
        {
            console.Profile.Width = RedirectedWidth;
        }
        else if (Width is { } width)
        {
            console.Profile.Width = width;
        }

        return console;
    }
}
