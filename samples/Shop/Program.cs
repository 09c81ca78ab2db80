using System.Diagnostics;
using Shop;
using Shop.CommandLine;

if (!ShopCommandLine.TryParse(args, out var options, out var error))
{
    await Console.Error.WriteLineAsync($"Shop: {error}. Run with --help for usage.");
    return 2;
}

if (options.Help)
{
    await Console.Out.WriteAsync(ShopCommandLine.Usage);
    return 0;
}

using var host = ShopHost.Build();
var outcome = await new ShopRunner(host, options, Console.Out, Console.Error).RunAsync();
return outcome switch
{
    RunOutcome.Completed or RunOutcome.Stopped => 0,
    RunOutcome.TimedOut => 1,
    // 128 + SIGINT: what shells report for a program ended by Ctrl+C.
    RunOutcome.Interrupted => 130,
    _ => throw new UnreachableException($"Unknown outcome {outcome}."),
};
