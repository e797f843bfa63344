using System.CommandLine;
using InitLab.Cli;

return Cli.Run(args);
