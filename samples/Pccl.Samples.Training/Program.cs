using Pccl.Samples.Training;

// One program, three roles: `--Sample:Role master` hosts the master, `--Sample:Role worker` (the default) a peer that
// trains. Every PCCL setting comes from the "Pccl" section with the keys of pccl_config.yaml, e.g.
// `--Pccl:network:master_port 7117` or the environment variable Pccl__network__master_port.
var builder = Host.CreateApplicationBuilder(args);
var pccl = builder.Configuration.GetSection("Pccl");
if (builder.Configuration["Sample:Role"] == "master")
{
    builder.Services.AddPcclMaster(pccl);
}
else
{
    // registered before the training loop, so the host stops the loop before the peer leaves the run
    builder.Services.AddPcclCommunicator(pccl);
    builder.Services.Configure<TrainingOptions>(builder.Configuration.GetSection("Sample"));
    builder.Services.AddHostedService<TrainingService>();
}

await builder.Build().RunAsync();
