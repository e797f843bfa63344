using InitLab.Data;
using InitLab.Rbm;

namespace InitLab.Init;

/// <summary>
/// What data-driven initializers (LSUV, DBN pretraining) may look at: the training data, a
/// held-out set for monitoring, where to report pretraining progress, and a token that stops
/// pretraining between mini-batches (an <see cref="OperationCanceledException"/>; the network is
/// then left half-initialized and should be discarded). Their GEMMs use the caller's
/// <see cref="InitLab.Tensors.Compute"/> scope.
/// </summary>
public sealed record InitContext(Dataset? Train, Dataset? HeldOut = null, IProgress<RbmEpochReport>? RbmProgress = null,
    CancellationToken Cancel = default);
