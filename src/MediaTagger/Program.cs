using MediaTagger.Cli;

return await CommandLine.RunAsync(args).ConfigureAwait(false);
