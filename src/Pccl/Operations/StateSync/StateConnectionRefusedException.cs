namespace Pccl.Operations.StateSync;

/// <summary>A donor refused a STATE connection from a peer the round's plan does not name as one of its receivers.</summary>
internal sealed class StateConnectionRefusedException(string message) : Exception(message);
