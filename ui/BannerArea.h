#pragma once
// Non-blocking messages at the top of the studio window: device lost, disk
// full, low disk, xruns during a take, recovered takes. Each is one banner in
// plain words with a close button and, where one exists, an action button
// ("Reopen device"). Never a modal dialog: recording and monitoring go on.
// [GUI thread]

#include <QWidget>

#include "core/Studio.h"

class QVBoxLayout;

namespace gainstage {

class BannerArea final : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxBanners = 4;

    explicit BannerArea(QWidget* parent = nullptr);
    // Shows `message` (the same text twice is shown once). Oldest banners go first.
    void show(const StudioMessage& message);
    void clear();
    int count() const;
    QStringList texts() const;

signals:
    void actionTriggered(gainstage::StudioMessage::Action action);

private:
    QVBoxLayout* layout_;
};

} // namespace gainstage
