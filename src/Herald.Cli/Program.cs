using Herald.Cli;

return await HeraldCli.RunAsync(args, CliContext.ForProcess());
