// Banners for what the user must know. [GUI thread]
#include "ui/BannerArea.h"

#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

namespace gainstage {

namespace {

QString actionText(StudioMessage::Action action) {
    switch (action) {
    case StudioMessage::Action::ReopenDevice: return QObject::tr("Reopen device");
    case StudioMessage::Action::ShowXruns: return QObject::tr("Show on timeline");
    case StudioMessage::Action::OpenAudioSettings: return QObject::tr("Audio settings…");
    case StudioMessage::Action::None: break;
    }
    return {};
}

const char* kindName(StudioMessage::Kind kind) {
    switch (kind) {
    case StudioMessage::Kind::Error: return "error";
    case StudioMessage::Kind::Warning: return "warning";
    case StudioMessage::Kind::Info: break;
    }
    return "info";
}

} // namespace

BannerArea::BannerArea(QWidget* parent) : QWidget(parent), layout_(new QVBoxLayout(this)) {
    layout_->setContentsMargins(8, 0, 8, 0);
    layout_->setSpacing(4);
    setAccessibleName(tr("Messages"));
}

void BannerArea::show(const StudioMessage& message) {
    if (texts().contains(message.text)) return;
    while (count() >= kMaxBanners) delete layout_->itemAt(0)->widget();

    auto* banner = new QFrame(this);
    banner->setObjectName(QStringLiteral("banner"));
    banner->setProperty("kind", QString::fromLatin1(kindName(message.kind)));
    banner->setAccessibleName(tr("Message"));
    banner->setAccessibleDescription(message.text);
    auto* row = new QHBoxLayout(banner);
    row->setContentsMargins(10, 6, 6, 6);
    auto* text = new QLabel(message.text, banner);
    text->setObjectName(QStringLiteral("bannerText"));
    text->setWordWrap(true);
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    row->addWidget(text, 1);
    if (message.action != StudioMessage::Action::None) {
        auto* action = new QPushButton(actionText(message.action), banner);
        action->setObjectName(QStringLiteral("bannerAction"));
        action->setToolTip(actionText(message.action));
        action->setAccessibleName(actionText(message.action));
        const StudioMessage::Action what = message.action;
        connect(action, &QPushButton::clicked, this, [this, banner, what] {
            banner->deleteLater();
            emit actionTriggered(what);
        });
        row->addWidget(action);
    }
    auto* close = new QToolButton(banner);
    close->setText(QStringLiteral("\u2715"));
    close->setAutoRaise(true);
    close->setToolTip(tr("Dismiss this message"));
    close->setAccessibleName(tr("Dismiss"));
    connect(close, &QToolButton::clicked, banner, &QObject::deleteLater);
    row->addWidget(close);
    layout_->addWidget(banner);
}

void BannerArea::clear() {
    while (layout_->count() > 0) delete layout_->itemAt(0)->widget();
}

int BannerArea::count() const {
    int n = 0;
    for (int i = 0; i < layout_->count(); ++i)
        if (auto* w = layout_->itemAt(i)->widget(); w && !w->property("closing").toBool()) ++n;
    return n;
}

QStringList BannerArea::texts() const {
    QStringList out;
    for (const QLabel* label : findChildren<QLabel*>(QStringLiteral("bannerText"))) out << label->text();
    return out;
}

} // namespace gainstage
