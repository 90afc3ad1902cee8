namespace Pccl.Operations.Collectives;

/// <summary>A ring frame this peer admitted: the phase and piece its header names, and the schedule step that receives it.</summary>
internal readonly record struct HopFrame(RingPhase Phase, PieceRef Piece, int Step);
