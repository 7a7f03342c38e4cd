/* events.h — EventBridge's hooks for the service registry (public: events_*):
 * the scheduler thread that fires schedule rules while the server runs is
 * started after start-up and joined before the store closes. */
#ifndef GR_SERVICES_EVENTS_EVENTS_H
#define GR_SERVICES_EVENTS_EVENTS_H

struct app;
int events_start(struct app *app); /* GR_OK, or GR_ERR if the thread cannot start */
void events_stop(struct app *app);

#endif
