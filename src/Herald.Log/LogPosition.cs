namespace Herald.Log;

/// <summary>Where a record is stored: its partition and its offset in that partition.</summary>
/// <param name="Partition">The partition number.</param>
/// <param name="Offset">The record's offset in the partition.</param>
public readonly record struct LogPosition(int Partition, long Offset);
